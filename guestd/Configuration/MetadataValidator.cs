using System.Buffers;
using System.Net;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// Checks every metadata value before anything is changed. Values reach <c>ip</c> argument vectors,
/// resolv.conf, /etc/hostname and environment variables, so each is held to a strict grammar and
/// re-rendered from its parsed form; anything else is an <see cref="InvalidMetadataException"/>.
/// </summary>
public static class MetadataValidator
{
    public const int MaxIdLength = 128;
    public const int MaxTokenLength = 1024;
    public const int MaxInterfaces = 16;
    public const int MaxAddressesPerInterface = 64;
    public const int MaxRoutesPerInterface = 256;
    public const int MaxDnsEntries = 16;
    public const int MinMtu = 68;
    public const int MaxMtu = 65535;
    public const int MaxSelfScriptChars = 1 << 20;

    private static readonly SearchValues<char> s_idChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

    /// <exception cref="InvalidMetadataException">The first value that is not acceptable.</exception>
    public static ValidatedMetadata Validate(CloneMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        RequireId("instanceId", metadata.InstanceId);
        if (metadata.DeploymentId is not null)
        {
            RequireId("deploymentId", metadata.DeploymentId);
        }

        if (!NetworkNames.IsValidHostname(metadata.Hostname))
        {
            Throw("hostname", $"'{Printable(metadata.Hostname)}' is not a valid host name (RFC 1123 labels of letters, digits and inner hyphens)");
        }

        if (metadata.SelfScript is { Length: > MaxSelfScriptChars })
        {
            Throw("self", $"the script is longer than {MaxSelfScriptChars} characters");
        }

        if (metadata.Cms is { } cms)
        {
            ValidateCms(cms);
            if (metadata.DeploymentId is null)
            {
                Throw("deploymentId", "is required when the disc names a CMS");
            }
        }

        if (metadata.Interfaces.Count > MaxInterfaces)
        {
            Throw("interfaces", $"{metadata.Interfaces.Count} interfaces; at most {MaxInterfaces}");
        }

        var plans = new List<InterfacePlan>(metadata.Interfaces.Count);
        for (var i = 0; i < metadata.Interfaces.Count; i++)
        {
            plans.Add(ValidateInterface($"interfaces[{i}]", metadata.Interfaces[i]));
        }

        return new ValidatedMetadata { Metadata = metadata, Interfaces = plans };
    }

    private static void ValidateCms(CmsEndpoint cms)
    {
        if (!IpPrefix.TryParseAddress(cms.Host, out _) && !NetworkNames.IsValidHostname(cms.Host))
        {
            Throw("cms.host", $"'{Printable(cms.Host)}' is neither an IP address nor a host name");
        }

        if (cms.Port is < 1 or > IPEndPoint.MaxPort)
        {
            Throw("cms.port", $"{cms.Port} is not a TCP port");
        }

        if (string.IsNullOrEmpty(cms.Token) || cms.Token.Length > MaxTokenLength || cms.Token.Any(char.IsControl))
        {
            Throw("cms.token", $"must be 1-{MaxTokenLength} printable characters");
        }
    }

    private static InterfacePlan ValidateInterface(string field, InterfaceConfig config)
    {
        string? matchMac = null;
        if (config.MatchMac is not null && !NetworkNames.TryNormalizeMac(config.MatchMac, out matchMac))
        {
            Throw($"{field}.matchMac", $"'{Printable(config.MatchMac)}' is not a MAC address");
        }

        if (config.MatchName is not null && !NetworkNames.IsValidInterfaceName(config.MatchName))
        {
            Throw($"{field}.matchName", $"'{Printable(config.MatchName)}' is not a valid interface name");
        }

        if (matchMac is null && config.MatchName is null)
        {
            Throw(field, "needs matchMac or matchName to find the interface");
        }

        if (config.Name is not null && !NetworkNames.IsValidInterfaceName(config.Name))
        {
            Throw($"{field}.name", $"'{Printable(config.Name)}' is not a valid interface name");
        }

        string? mac = null;
        if (config.Mac is not null && (!NetworkNames.TryNormalizeMac(config.Mac, out mac) || !NetworkNames.IsAssignableMac(mac)))
        {
            Throw($"{field}.mac", $"'{Printable(config.Mac)}' is not a unicast MAC address");
        }

        if (config.Mtu is { } mtu && mtu is < MinMtu or > MaxMtu)
        {
            Throw($"{field}.mtu", $"{mtu} is outside {MinMtu}-{MaxMtu}");
        }

        return new InterfacePlan
        {
            MatchMac = matchMac,
            MatchName = config.MatchName,
            NewName = config.Name,
            Mac = mac,
            Addresses = ParseAddresses($"{field}.addresses", config.Addresses),
            Dhcp = config.Dhcp,
            Gateway = config.Gateway is null ? null : ParseAddress($"{field}.gateway", config.Gateway),
            Routes = ParseRoutes($"{field}.routes", config.Routes),
            Mtu = config.Mtu,
            DnsServers = ParseDnsServers($"{field}.dnsServers", config.DnsServers),
            DnsSearch = ParseSearch($"{field}.dnsSearch", config.DnsSearch),
        };
    }

    private static List<IpPrefix> ParseAddresses(string field, IReadOnlyList<string> addresses)
    {
        RequireCount(field, addresses.Count, MaxAddressesPerInterface);
        var parsed = new List<IpPrefix>(addresses.Count);
        for (var i = 0; i < addresses.Count; i++)
        {
            if (!IpPrefix.TryParse(addresses[i], requirePrefix: true, out var prefix))
            {
                Throw($"{field}[{i}]", $"'{Printable(addresses[i])}' is not an address with prefix length (e.g. 10.0.0.5/24)");
            }

            parsed.Add(prefix.Value);
        }

        return parsed;
    }

    private static List<RoutePlan> ParseRoutes(string field, IReadOnlyList<RouteConfig> routes)
    {
        RequireCount(field, routes.Count, MaxRoutesPerInterface);
        var parsed = new List<RoutePlan>(routes.Count);
        for (var i = 0; i < routes.Count; i++)
        {
            var route = routes[i];
            if (!IpPrefix.TryParse(route.Destination, requirePrefix: false, out var destination))
            {
                Throw($"{field}[{i}].destination", $"'{Printable(route.Destination)}' is not an address or network in CIDR form");
            }

            var gateway = route.Gateway is null ? null : ParseAddress($"{field}[{i}].gateway", route.Gateway);
            if (route.Metric is < 0)
            {
                Throw($"{field}[{i}].metric", "must not be negative");
            }

            parsed.Add(new RoutePlan(destination.Value, gateway, route.Metric));
        }

        return parsed;
    }

    private static List<IPAddress> ParseDnsServers(string field, IReadOnlyList<string> servers)
    {
        RequireCount(field, servers.Count, MaxDnsEntries);
        return [.. servers.Select((s, i) => ParseAddress($"{field}[{i}]", s))];
    }

    private static List<string> ParseSearch(string field, IReadOnlyList<string> domains)
    {
        RequireCount(field, domains.Count, MaxDnsEntries);
        for (var i = 0; i < domains.Count; i++)
        {
            if (!NetworkNames.IsValidHostname(domains[i]))
            {
                Throw($"{field}[{i}]", $"'{Printable(domains[i])}' is not a domain name");
            }
        }

        return [.. domains];
    }

    private static IPAddress ParseAddress(string field, string text)
    {
        if (!IpPrefix.TryParseAddress(text, out var address))
        {
            Throw(field, $"'{Printable(text)}' is not an IP address");
        }

        return address;
    }

    private static void RequireId(string field, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxIdLength || value[0] is '-' or '.'
            || value.AsSpan().ContainsAnyExcept(s_idChars))
        {
            Throw(field, $"'{Printable(value)}' must be 1-{MaxIdLength} of letters, digits and . _ : - (not starting with - or .)");
        }
    }

    private static void RequireCount(string field, int count, int max)
    {
        if (count > max)
        {
            Throw(field, $"{count} entries; at most {max}");
        }
    }

    /// <summary>Shows a rejected value in an error message without letting it forge log lines.</summary>
    internal static string Printable(string? value)
    {
        const int MaxShown = 64;
        if (value is null)
        {
            return "(null)";
        }

        var shown = new string([.. value.Take(MaxShown).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > MaxShown ? shown + "..." : shown;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string field, string message) => throw new InvalidMetadataException(field, message);
}
