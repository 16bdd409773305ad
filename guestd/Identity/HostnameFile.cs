using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Identity;

/// <summary>/etc/hostname under a root directory, so the name survives a reboot of the clone.</summary>
public static class HostnameFile
{
    public const string RelativePath = "etc/hostname";

    public static void Write(string root, string hostname)
        => AtomicFile.WriteAllText(Path.Combine(root, RelativePath), hostname + "\n");
}
