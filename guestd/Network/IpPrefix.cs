using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// An address with its prefix length (<c>10.0.0.5/24</c>), parsed strictly. Commands are built from
/// <see cref="ToString"/>, the canonical form, never from the text the disc carried.
/// </summary>
public readonly record struct IpPrefix(IPAddress Address, int PrefixLength)
{
    private const int MaxIPv4Prefix = 32;
    private const int MaxIPv6Prefix = 128;
    private const int IPv4DotCount = 3;

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>Parses <c>ADDR/LEN</c>; without <paramref name="requirePrefix"/> a bare address gets the full-length prefix.</summary>
    public static bool TryParse(string? text, bool requirePrefix, [NotNullWhen(true)] out IpPrefix? prefix)
    {
        prefix = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? MaxIPv6Prefix : MaxIPv4Prefix;
        if (slash < 0)
        {
            if (requirePrefix)
            {
                return false;
            }

            prefix = new IpPrefix(address, max);
            return true;
        }

        var lengthText = text[(slash + 1)..];
        if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit)
            || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > max)
        {
            return false;
        }

        prefix = new IpPrefix(address, length);
        return true;
    }

    /// <summary>
    /// Parses a plain IPv4 dotted quad or an IPv6 address. Rejects the odd forms
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> accepts (<c>10</c>, <c>0x0a.1</c>, zone ids).
    /// </summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Length > 45 || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork)
        {
            // Dotted decimal only: inet_aton forms read "010" as octal, so leading zeros are refused too.
            if (text.Count(c => c == '.') != IPv4DotCount || !text.All(c => char.IsAsciiDigit(c) || c == '.')
                || text.Split('.').Any(octet => octet.Length is 0 or > 3 || (octet.Length > 1 && octet[0] == '0')))
            {
                return false;
            }
        }
        else if (parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.ScopeId != 0 || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";
}
