using System.Runtime;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// The runtime's own work since a point in time: methods JIT-compiled (and the time spent compiling them) and
/// garbage collections, on every thread. Shown on the configured marker, so a slow clone says whether it paid
/// for code its template's warm-up did not run (under TCG the JIT is the costliest thing a clone can do).
/// </summary>
internal readonly record struct RuntimeActivity(long JitMethods, TimeSpan JitTime, int Collections)
{
    public static RuntimeActivity Take()
        => new(JitInfo.GetCompiledMethodCount(currentThread: false), JitInfo.GetCompilationTime(currentThread: false), GC.CollectionCount(0));

    public long JitMethodsSince() => JitInfo.GetCompiledMethodCount(currentThread: false) - JitMethods;

    public TimeSpan JitTimeSince() => JitInfo.GetCompilationTime(currentThread: false) - JitTime;

    /// <summary>Collections of any generation (each counts in generation 0's count).</summary>
    public int CollectionsSince() => GC.CollectionCount(0) - Collections;
}
