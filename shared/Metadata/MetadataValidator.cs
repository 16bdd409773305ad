using System.Text;
using System.Text.RegularExpressions;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Checks a <see cref="CloneMetadata"/> before it is written to a disc or handed to guestd, and
/// reports every problem at once with the field it concerns.
/// </summary>
public static partial class MetadataValidator
{
    /// <exception cref="MetadataException">One or more values are malformed; the message lists them all.</exception>
    public static void Validate(CloneMetadata metadata, string what = "metadata")
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var errors = new List<string>();
        JsonSchemaVersion(metadata.SchemaVersion, what, errors);
        Check(errors, IsIdentifier(metadata.InstanceId), "instanceId", metadata.InstanceId, "1-128 letters, digits, '.', '_', ':' or '-'");
        Check(errors, metadata.DeploymentId is null || IsIdentifier(metadata.DeploymentId), "deploymentId", metadata.DeploymentId, "1-128 letters, digits, '.', '_', ':' or '-'");
        Check(errors, NetworkValues.IsHostname(metadata.Hostname), "hostname", metadata.Hostname, "an RFC 1123 host name");
        Check(errors, metadata.Interfaces.Count <= MetadataLimits.MaxInterfaces, "interfaces", $"{metadata.Interfaces.Count} entries", $"at most {MetadataLimits.MaxInterfaces}");
        for (var i = 0; i < Math.Min(metadata.Interfaces.Count, MetadataLimits.MaxInterfaces); i++)
        {
            // A list element may be null in JSON even where the schema's type is not nullable.
            if (metadata.Interfaces[i] is { } nic)
            {
                ValidateInterface(nic, $"interfaces[{i}]", errors);
            }
            else
            {
                errors.Add($"interfaces[{i}] is empty");
            }
        }

        if (metadata.Cms is { } cms)
        {
            Check(errors, NetworkValues.IsHostname(cms.Host) || NetworkValues.IsIpAddress(cms.Host), "cms.host", cms.Host, "a host name or an IP address");
            Check(errors, cms.Port is > 0 and <= ushort.MaxValue, "cms.port", cms.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "1-65535");
            CheckList(errors, cms.Alternates ?? [], CmsEndpoint.MaxAlternates, "cms.alternates", a => CmsEndpoint.TryParse(a, out var h, out _) && (NetworkValues.IsHostname(h) || NetworkValues.IsIpAddress(h)), "HOST:PORT");
            Check(errors, cms.Token is { Length: > 0 and <= MetadataLimits.MaxTokenChars } && cms.Token.All(c => c is > ' ' and <= '~'), "cms.token", "(hidden)", $"1-{MetadataLimits.MaxTokenChars} printable ASCII characters without spaces");
        }

        if (metadata.RandomSeed is { } seed)
        {
            var buffer = new byte[MetadataLimits.MaxRandomSeedBytes];
            Check(errors, seed.Length <= MetadataLimits.MaxRandomSeedBytes * 2 && Convert.TryFromBase64String(seed, buffer, out _), "randomSeed", "(hidden)", $"base64 of at most {MetadataLimits.MaxRandomSeedBytes} bytes");
        }

        if (metadata.SelfScript is { } script)
        {
            Check(errors, Encoding.UTF8.GetByteCount(script) <= MetadataLimits.MaxFileBytes, "selfScript", $"{script.Length} characters", $"at most {MetadataLimits.MaxFileBytes} bytes");
        }

        if (errors.Count > 0)
        {
            throw new MetadataException($"{what} is invalid: {string.Join("; ", errors)}");
        }
    }

    private static void ValidateInterface(InterfaceConfig nic, string at, List<string> errors)
    {
        Check(errors, nic.MatchMac is not null || nic.MatchName is not null, $"{at}", "no matchMac or matchName", "a way to find the interface");
        Check(errors, nic.MatchMac is null || NetworkValues.IsMac(nic.MatchMac), $"{at}.matchMac", nic.MatchMac, "a MAC like 52:54:00:12:34:56");
        Check(errors, nic.MatchName is null || NetworkValues.IsInterfaceName(nic.MatchName), $"{at}.matchName", nic.MatchName, "an interface name (1-15 characters)");
        Check(errors, nic.Name is null || NetworkValues.IsInterfaceName(nic.Name), $"{at}.name", nic.Name, "an interface name (1-15 characters)");
        Check(errors, nic.Mac is null || NetworkValues.IsUnicastMac(nic.Mac), $"{at}.mac", nic.Mac, "a unicast MAC like 52:54:00:12:34:56");
        Check(errors, nic.Gateway is null || NetworkValues.IsIpAddress(nic.Gateway), $"{at}.gateway", nic.Gateway, "an IP address");
        Check(errors, nic.Mtu is null or (>= 68 and <= ushort.MaxValue), $"{at}.mtu", nic.Mtu?.ToString(System.Globalization.CultureInfo.InvariantCulture), "68-65535");
        CheckList(errors, nic.Addresses, MetadataLimits.MaxAddressesPerInterface, $"{at}.addresses", NetworkValues.IsCidr, "an address with prefix like 10.0.0.5/24");
        CheckList(errors, nic.DnsServers, MetadataLimits.MaxDnsEntries, $"{at}.dnsServers", NetworkValues.IsIpAddress, "an IP address");
        CheckList(errors, nic.DnsSearch, MetadataLimits.MaxDnsEntries, $"{at}.dnsSearch", NetworkValues.IsHostname, "a domain name");
        Check(errors, nic.Routes.Count <= MetadataLimits.MaxRoutesPerInterface, $"{at}.routes", $"{nic.Routes.Count} entries", $"at most {MetadataLimits.MaxRoutesPerInterface}");
        for (var r = 0; r < Math.Min(nic.Routes.Count, MetadataLimits.MaxRoutesPerInterface); r++)
        {
            if (nic.Routes[r] is not { } route)
            {
                errors.Add($"{at}.routes[{r}] is empty");
                continue;
            }

            Check(errors, route.Destination == "default" || NetworkValues.IsCidr(route.Destination), $"{at}.routes[{r}].destination", route.Destination, "'default' or a network like 10.1.0.0/16");
            Check(errors, route.Gateway is null || NetworkValues.IsIpAddress(route.Gateway), $"{at}.routes[{r}].gateway", route.Gateway, "an IP address");
            Check(errors, route.Metric is null or >= 0, $"{at}.routes[{r}].metric", route.Metric?.ToString(System.Globalization.CultureInfo.InvariantCulture), "a non-negative number");
        }
    }

    private static void JsonSchemaVersion(string version, string what, List<string> errors)
    {
        try
        {
            MetadataJson.CheckSchemaVersion(version, what);
        }
        catch (MetadataException ex)
        {
            errors.Add(ex.Message);
        }
    }

    private static bool IsIdentifier(string? value) => value is not null && Identifier().IsMatch(value);

    private static void CheckList(List<string> errors, IReadOnlyList<string> values, int max, string at, Func<string?, bool> valid, string expected)
    {
        Check(errors, values.Count <= max, at, $"{values.Count} entries", $"at most {max}");
        for (var i = 0; i < Math.Min(values.Count, max); i++)
        {
            Check(errors, valid(values[i]), $"{at}[{i}]", values[i], expected);
        }
    }

    private static void Check(List<string> errors, bool ok, string field, string? value, string expected)
    {
        if (!ok)
        {
            // Echo hostile values safely: no control characters, no unbounded length.
            var clean = value is null ? null : new string([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
            var shown = clean is null ? "(missing)" : $"'{clean}{(value!.Length > 64 ? "..." : string.Empty)}'";
            errors.Add($"{field} {shown} is not {expected}");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex Identifier();
}
