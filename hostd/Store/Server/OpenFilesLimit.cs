using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>The process's soft RLIMIT_NOFILE (what systemd's LimitNOFILE= sets; .NET raises the soft limit to the hard one at start).</summary>
internal static class OpenFilesLimit
{
    // RLIMIT_NOFILE in <sys/resource.h> on every Linux architecture .NET runs on (x86-64, arm64).
    private const int ResourceOpenFiles = 7;

    /// <summary>The soft limit, or <see cref="long.MaxValue"/> when unlimited or unknown.</summary>
    public static long Current()
        => GetRLimit(ResourceOpenFiles, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : long.MaxValue;

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
