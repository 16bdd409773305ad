using System.Runtime.InteropServices;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// The share of the process's file descriptors (RLIMIT_NOFILE) that NBD connections may hold, all servers of the
/// process together.
/// </summary>
/// <remarks>
/// A full descriptor table does more than fail accept(): the .NET runtime needs descriptors to start a thread (each
/// new thread opens <c>/sys/devices/system/cpu/possible</c> and a pipe while it starts), so with none left
/// <c>Thread.Start</c> throws <see cref="OutOfMemoryException"/> (the timer thread, thread-pool workers, our reader
/// threads), and a runtime path that opens <c>/proc/self/status</c> aborts the process with "Out of memory."
/// (SIGABRT). The NBD servers therefore never take more than half of the table and always leave
/// <see cref="Reserve"/> descriptors to the rest of the process. Under systemd the runtime raises the soft limit to
/// the unit's hard LimitNOFILE at start-up, so the share follows the unit.
/// </remarks>
public static class NbdDescriptorLimit
{
    /// <summary>Descriptors always left to the rest of the process (the runtime holds about 100 at rest).</summary>
    public const int Reserve = 128;

    private const int ResourceNoFile = 7;

    private static readonly Lazy<long> s_softLimit = new(ReadSoftLimit);
    private static int s_open;

    /// <summary>RLIMIT_NOFILE's soft limit of this process (long.MaxValue when unlimited or unreadable).</summary>
    public static long SoftLimit => s_softLimit.Value;

    /// <summary>NBD connections the process may hold: half the limit, leaving at least <see cref="Reserve"/>.</summary>
    public static int ConnectionShare { get; } = Share(SoftLimit);

    /// <summary>NBD connections open in the process now.</summary>
    public static int Open => Volatile.Read(ref s_open);

    /// <summary>The share for a given limit (see <see cref="ConnectionShare"/>).</summary>
    public static int Share(long softLimit) => (int)Math.Clamp(Math.Min(softLimit / 2, softLimit - Reserve), 0, int.MaxValue);

    /// <summary>Takes one connection of the share; false when it is used up.</summary>
    internal static bool TryTake()
    {
        if (Interlocked.Increment(ref s_open) <= ConnectionShare)
        {
            return true;
        }

        Interlocked.Decrement(ref s_open);
        return false;
    }

    internal static void Give() => Interlocked.Decrement(ref s_open);

    private static long ReadSoftLimit()
    {
        if (GetRLimit(ResourceNoFile, out var limit) != 0)
        {
            return long.MaxValue;
        }

        return limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    /// <summary>struct rlimit (getrlimit(2)): two rlim_t, unsigned 64-bit on Linux x86-64 and arm64.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
