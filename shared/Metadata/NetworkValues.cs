using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Syntax checks for the values guestd hands to <c>ip</c> and friends. Strict on purpose: whatever
/// passes here is a plain address, name or number, never something a tool could read as an option.
/// </summary>
public static partial class NetworkValues
{
    private const int MaxHostnameChars = 253;
    private const int Ipv4Bits = 32;
    private const int Ipv6Bits = 128;

    /// <summary>RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1-63 characters each.</summary>
    public static bool IsHostname(string? value)
        => value is { Length: > 0 and <= MaxHostnameChars } && value.Split('.').All(l => HostnameLabel().IsMatch(l));

    /// <summary>Six colon-separated hex octets (e.g. <c>52:54:00:12:34:56</c>), either case.</summary>
    public static bool IsMac(string? value) => value is not null && Mac().IsMatch(value);

    /// <summary>A MAC an interface may take: not multicast (bit 0 of the first octet clear), not all zeros.</summary>
    public static bool IsUnicastMac(string? value)
        => IsMac(value) && (Convert.ToByte(value![..2], 16) & 1) == 0 && value != "00:00:00:00:00:00";

    /// <summary>Linux interface name: at most 15 characters (IFNAMSIZ - 1), no slash, space or colon.</summary>
    public static bool IsInterfaceName(string? value) => value is not null && InterfaceName().IsMatch(value);

    /// <summary>A plain IPv4 or IPv6 address (no zone, no brackets, no prefix).</summary>
    public static bool IsIpAddress(string? value) => TryParseAddress(value, out _);

    /// <summary>An address with a prefix length, e.g. <c>10.0.0.5/24</c> or <c>fd00::5/64</c>.</summary>
    public static bool IsCidr(string? value)
    {
        if (value is null)
        {
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && TryParseAddress(value[..slash], out var address)
            && TryParsePrefix(value[(slash + 1)..], address.AddressFamily, out _);
    }

    /// <summary>Turns a netmask (<c>255.255.255.0</c>) or a prefix length (<c>24</c>) into a prefix length.</summary>
    public static bool TryParsePrefixOrNetmask(string? value, AddressFamily family, out int prefix)
    {
        prefix = 0;
        if (value is null)
        {
            return false;
        }

        if (TryParsePrefix(value, family, out prefix))
        {
            return true;
        }

        if (!TryParseAddress(value, out var mask) || mask.AddressFamily != family)
        {
            return false;
        }

        // A netmask is ones then zeros; anything else is not a mask.
        var bits = mask.GetAddressBytes();
        var seenZero = false;
        foreach (var octet in bits)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (octet >> bit & 1) == 1;
                if (one && seenZero)
                {
                    return false;
                }

                seenZero |= !one;
                prefix += one ? 1 : 0;
            }
        }

        return true;
    }

    /// <summary>Joins an address and a netmask or prefix into CIDR form; null when either is malformed.</summary>
    public static string? ToCidr(string? address, string? netmaskOrPrefix)
    {
        if (address is null)
        {
            return null;
        }

        if (address.Contains('/', StringComparison.Ordinal))
        {
            return IsCidr(address) ? address : null;
        }

        if (!TryParseAddress(address, out var parsed))
        {
            return null;
        }

        if (netmaskOrPrefix is null)
        {
            return $"{address}/{(parsed.AddressFamily == AddressFamily.InterNetwork ? Ipv4Bits : Ipv6Bits)}";
        }

        return TryParsePrefixOrNetmask(netmaskOrPrefix, parsed.AddressFamily, out var prefix) ? $"{address}/{prefix}" : null;
    }

    private static bool TryParseAddress(string? value, out IPAddress address)
    {
        address = IPAddress.None;

        // IPAddress.TryParse accepts zones, brackets and short IPv4 forms like "10.1"; we want canonical text only.
        if (value is null || value.Length == 0 || !AddressCharacters().IsMatch(value) || !IPAddress.TryParse(value, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') != 3)
        {
            return false;
        }

        address = parsed;
        return parsed.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
    }

    private static bool TryParsePrefix(string value, AddressFamily family, out int prefix)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            && value.Length <= 3
            && prefix <= (family == AddressFamily.InterNetwork ? Ipv4Bits : Ipv6Bits);

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex HostnameLabel();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex Mac();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("^[0-9A-Fa-f:.]+$")]
    private static partial Regex AddressCharacters();
}
