namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// What a cluster host may be called: the DNS name in its certificate (RFC 1123 labels of letters, digits and hyphens,
/// dot-separated, 253 characters at most), compared without regard to case and kept in lower case.
/// </summary>
public static class HostNames
{
    /// <summary>Longest host name (RFC 1035 §2.3.4).</summary>
    public const int MaxLength = 253;

    /// <summary>Longest label.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>The name in lower case.</summary>
    /// <exception cref="ClusterRequestException">It is not a valid host name.</exception>
    public static string Require(string? name, string what = "host name")
    {
        if (!IsValid(name))
        {
            throw new ClusterRequestException($"{what} '{name}' is not a DNS name (letters, digits and hyphens in dot-separated labels of 1-{MaxLabelLength}, {MaxLength} in all)");
        }

        return name!.ToLowerInvariant();
    }

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-'
                || !label.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
