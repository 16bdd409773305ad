namespace Jumpstart.Guestd.Network;

/// <summary>
/// The links of the network namespace that mounted /sys, read from /sys/class/net: no process to
/// start, which under TCG saves a few hundred milliseconds of a clone's configuration.
/// </summary>
/// <remarks>
/// Documentation/ABI/testing/sysfs-class-net: <c>address</c> is the link-layer address, <c>type</c>
/// the ARPHRD_* number (include/uapi/linux/if_arp.h: ARPHRD_LOOPBACK = 772).
/// </remarks>
public static class SysfsLinks
{
    public const string DefaultDirectory = "/sys/class/net";

    private const string ArphrdLoopback = "772";

    /// <summary>A guest has a handful of links; a directory with more is not believed.</summary>
    private const int MaxLinks = 4096;

    /// <summary>sysfs attributes are one short line.</summary>
    private const int MaxAttributeChars = 256;

    /// <summary>The links under <paramref name="directory"/>, or null when it does not exist (no sysfs mounted).</summary>
    /// <exception cref="NetworkConfigurationException">More links than a guest can have, or unreadable attributes.</exception>
    public static IReadOnlyList<NetworkLink>? TryRead(string directory = DefaultDirectory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        try
        {
            var links = new List<NetworkLink>();
            foreach (var path in Directory.EnumerateFileSystemEntries(directory))
            {
                if (links.Count == MaxLinks)
                {
                    throw new NetworkConfigurationException($"{directory} lists more than {MaxLinks} links");
                }

                var name = Path.GetFileName(path);
                var mac = Attribute(path, "address");
                links.Add(new NetworkLink(name, string.IsNullOrEmpty(mac) ? null : mac, Attribute(path, "type") == ArphrdLoopback));
            }

            return links;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new NetworkConfigurationException($"cannot read {directory}: {ex.Message}", ex);
        }
    }

    private static string? Attribute(string link, string name)
    {
        var path = Path.Combine(link, name);
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new StreamReader(path);
        var buffer = new char[MaxAttributeChars];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Trim();
    }
}
