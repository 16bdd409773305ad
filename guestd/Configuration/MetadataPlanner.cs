using System.Net;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// Turns metadata into what guestd applies. The shared <see cref="Shared.Metadata.MetadataValidator"/>
/// checks every value's syntax; this then parses each network value into a typed form
/// (<see cref="IpPrefix"/>, <see cref="IPAddress"/>, a lower-case MAC) so that the <c>ip</c>
/// arguments, resolv.conf and /etc/hostname are rendered from parsed values, never from disc text.
/// Everything here runs before the first change to the machine.
/// </summary>
public static class MetadataPlanner
{
    /// <summary>A route destination meaning "everything" (cloud-init and our own schema accept it).</summary>
    public const string DefaultDestination = "default";

    /// <exception cref="InvalidMetadataException">A value is malformed or unsafe.</exception>
    public static ValidatedMetadata Plan(CloneMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        try
        {
            Shared.Metadata.MetadataValidator.Validate(metadata);
        }
        catch (MetadataException ex)
        {
            throw new InvalidMetadataException("metadata", ex.Message);
        }

        if (metadata.Cms is not null && metadata.DeploymentId is null)
        {
            Throw("deploymentId", "is required when the disc names a CMS");
        }

        var plans = new List<InterfacePlan>(metadata.Interfaces.Count);
        for (var i = 0; i < metadata.Interfaces.Count; i++)
        {
            plans.Add(PlanInterface($"interfaces[{i}]", metadata.Interfaces[i]));
        }

        return new ValidatedMetadata { Metadata = metadata, Interfaces = plans };
    }

    private static InterfacePlan PlanInterface(string field, InterfaceConfig config) => new()
    {
        MatchMac = config.MatchMac?.ToLowerInvariant(),
        MatchName = config.MatchName,
        NewName = config.Name,
        Mac = config.Mac?.ToLowerInvariant(),
        Addresses = [.. config.Addresses.Select((a, i) => ParsePrefix($"{field}.addresses[{i}]", a, requirePrefix: true))],
        Dhcp = config.Dhcp,
        Gateway = config.Gateway is null ? null : ParseAddress($"{field}.gateway", config.Gateway),
        Routes = [.. config.Routes.Select((r, i) => PlanRoute($"{field}.routes[{i}]", r))],
        Mtu = config.Mtu,
        DnsServers = [.. config.DnsServers.Select((s, i) => ParseAddress($"{field}.dnsServers[{i}]", s))],
        DnsSearch = [.. config.DnsSearch],
    };

    private static RoutePlan PlanRoute(string field, RouteConfig route)
    {
        var gateway = route.Gateway is null ? null : ParseAddress($"{field}.gateway", route.Gateway);
        var destination = route.Destination == DefaultDestination
            ? new IpPrefix(gateway?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0)
            : ParsePrefix($"{field}.destination", route.Destination, requirePrefix: false);
        return new RoutePlan(destination, gateway, route.Metric);
    }

    private static IpPrefix ParsePrefix(string field, string text, bool requirePrefix)
    {
        if (!IpPrefix.TryParse(text, requirePrefix, out var prefix))
        {
            Throw(field, $"'{Printable(text)}' is not an address with prefix length in plain dotted or colon form");
        }

        return prefix.Value;
    }

    private static IPAddress ParseAddress(string field, string text)
    {
        if (!IpPrefix.TryParseAddress(text, out var address))
        {
            Throw(field, $"'{Printable(text)}' is not a plain IP address");
        }

        return address;
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
