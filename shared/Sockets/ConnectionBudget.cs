namespace Jumpstart.Shared.Sockets;

/// <summary>
/// The descriptors the process's connections may hold, shared by every listener in it: the soft RLIMIT_NOFILE less the
/// descriptors open when it was first asked for and a reserve for everything else (assemblies loaded later, threads,
/// database and log files, child processes' pipes). A listener takes one per accepted connection and gives it back when
/// the connection closes (through <see cref="ConnectionLimiter"/>); when none is left, new connections are refused.
/// </summary>
/// <remarks>
/// Why a budget and not only a reaction to EMFILE: a .NET process that runs out of descriptors dies. A thread the
/// runtime starts needs a descriptor while it starts (the runtime's thread setup makes a pipe); without one,
/// <c>Thread.Start</c> throws <see cref="OutOfMemoryException"/>, and when the thread pool is the one starting a worker
/// that exception is unhandled: the process prints "Out of memory." and aborts (SIGABRT). Loading an assembly, writing
/// a log line to a new file or starting a process fail too. So connections must never take the last descriptors.
/// </remarks>
public sealed class ConnectionBudget
{
    /// <summary>Descriptors kept back for everything but connections, whatever the limit.</summary>
    public const int MinReserve = 96;

    /// <summary>On larger limits, this fraction of the limit is kept back (1/8).</summary>
    public const int ReserveDivisor = 8;

    /// <summary>At most this many descriptors of the budget are kept for administrative listeners (hostd's control
    /// socket, the CMS's unix socket), so that an operator gets in while a flood holds everything else.</summary>
    public const int MaxAdministrativeReserve = 16;

    private static readonly Lazy<ConnectionBudget> s_process = new(ForThisProcess, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _description;
    private int _inUse;

    /// <summary>A budget of <paramref name="capacity"/> connections (tests; a daemon uses <see cref="Process"/>).</summary>
    public ConnectionBudget(int capacity, string? description = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _description = description ?? $"{capacity} connection descriptors";
    }

    /// <summary>The budget of this process, computed from RLIMIT_NOFILE the first time it is asked for.</summary>
    public static ConnectionBudget Process => s_process.Value;

    /// <summary>How many connections the process's listeners may hold together.</summary>
    public int Capacity { get; }

    /// <summary>The part of <see cref="Capacity"/> only administrative listeners may take: a quarter of it, at most
    /// <see cref="MaxAdministrativeReserve"/>.</summary>
    public int AdministrativeReserve => Math.Min(MaxAdministrativeReserve, Capacity / 4);

    /// <summary>What a listener may take: all of <see cref="Capacity"/> when administrative, less
    /// <see cref="AdministrativeReserve"/> otherwise.</summary>
    public int CapacityFor(bool administrative) => administrative ? Capacity : Capacity - AdministrativeReserve;

    /// <summary>Connections holding a descriptor of the budget now.</summary>
    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>The descriptors a process with <paramref name="softLimit"/> keeps back from its connections.</summary>
    public static int ReserveFor(int softLimit) => Math.Max(MinReserve, softLimit / ReserveDivisor);

    /// <summary>The budget of a process that may hold <paramref name="softLimit"/> descriptors and has <paramref name="open"/> open.</summary>
    public static ConnectionBudget For(int softLimit, int open)
    {
        var reserve = ReserveFor(softLimit);
        var capacity = (int)Math.Clamp((long)softLimit - open - reserve, 0, int.MaxValue);
        return new ConnectionBudget(capacity, $"the process's connections may hold {capacity} descriptors (RLIMIT_NOFILE {softLimit}, {open} open at start, {reserve} kept back)");
    }

    /// <summary>Takes one descriptor for a connection; false (nothing taken) when the budget is spent (for an ordinary
    /// listener: all but the <see cref="AdministrativeReserve"/> is in use).</summary>
    public bool TryTake(bool administrative = false)
    {
        if (Interlocked.Increment(ref _inUse) <= CapacityFor(administrative))
        {
            return true;
        }

        Interlocked.Decrement(ref _inUse);
        return false;
    }

    /// <summary>Gives back the descriptor of a closed connection.</summary>
    public void Return() => Interlocked.Decrement(ref _inUse);

    public override string ToString() => _description;

    private static ConnectionBudget ForThisProcess() => For(DescriptorLimit.Soft(), DescriptorLimit.Open());
}
