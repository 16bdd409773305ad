using System.Runtime.InteropServices;

namespace Jumpstart.Shared.Sockets;

/// <summary>The process's file-descriptor limit (RLIMIT_NOFILE) and how many descriptors it has open.</summary>
/// <remarks>
/// getrlimit(2) and proc(5) <c>/proc/self/fd</c>. The .NET runtime raises the soft limit to the hard one when it starts,
/// so under systemd the unit's <c>LimitNOFILE=</c> is what a daemon gets.
/// </remarks>
public static class DescriptorLimit
{
    private const int RlimitNofile = 7;
    private const string DescriptorDirectory = "/proc/self/fd";

    /// <summary>The soft limit: the most descriptors this process may hold; <see cref="int.MaxValue"/> when unlimited or unknown.</summary>
    public static int Soft()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out var limit) != 0)
        {
            return int.MaxValue;
        }

        return limit.Current >= int.MaxValue ? int.MaxValue : (int)limit.Current;
    }

    /// <summary>How many descriptors the process has open now (0 when the kernel will not say).</summary>
    public static int Open()
    {
        try
        {
            // The enumeration's own descriptor is among them.
            return Math.Max(0, Directory.EnumerateFileSystemEntries(DescriptorDirectory).Count() - 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);
}
