using System.Buffers;

namespace Jumpstart.Guestd.Network;

/// <summary>Strict checks for names and link-layer values that end up in <c>ip</c> argument vectors or config files.</summary>
public static class NetworkNames
{
    /// <summary>IFNAMSIZ is 16 including the terminating NUL.</summary>
    public const int MaxInterfaceNameLength = 15;

    /// <summary>RFC 1123 §2.1 / RFC 1035 §2.3.4 limits.</summary>
    public const int MaxHostnameLength = 253;
    public const int MaxLabelLength = 63;

    private const int MacOctets = 6;

    private static readonly SearchValues<char> s_interfaceChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@");

    private static readonly SearchValues<char> s_labelChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>A kernel interface name: 1-15 safe characters, not starting with '-' (it would read as an option).</summary>
    public static bool IsValidInterfaceName(string? name)
        => !string.IsNullOrEmpty(name) && name.Length <= MaxInterfaceNameLength && name[0] != '-'
           && name is not "." and not ".." && !name.AsSpan().ContainsAnyExcept(s_interfaceChars);

    /// <summary>A host name or domain: dot-separated RFC 1123 labels (letters, digits, inner hyphens).</summary>
    public static bool IsValidHostname(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxHostnameLength)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-'
                || label.AsSpan().ContainsAnyExcept(s_labelChars))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Normalizes a unicast Ethernet MAC (<c>52:54:00:12:34:56</c>, any case) to lower-case colon form.</summary>
    public static bool TryNormalizeMac(string? text, out string mac)
    {
        mac = string.Empty;
        if (text is null || text.Length != (MacOctets * 3) - 1)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var separator = i % 3 == 2;
            if (separator ? text[i] != ':' : !char.IsAsciiHexDigit(text[i]))
            {
                return false;
            }
        }

        mac = text.ToLowerInvariant();
        return true;
    }

    /// <summary>True for a MAC the kernel accepts as a device address: not multicast (bit 0 of the first octet) and not all zero.</summary>
    public static bool IsAssignableMac(string normalizedMac)
    {
        var first = Convert.ToByte(normalizedMac[..2], 16);
        return (first & 1) == 0 && normalizedMac != "00:00:00:00:00:00";
    }
}
