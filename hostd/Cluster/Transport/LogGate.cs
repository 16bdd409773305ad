namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// At most one log entry per interval for one kind of refusal (a peer can cause as many as it opens connections);
/// the ones held back are counted and reported with the next entry.
/// </summary>
internal sealed class LogGate(TimeSpan interval)
{
    private long _next;
    private long _heldBack;

    /// <summary>True when an entry may be written now; <paramref name="heldBack"/> is how many were skipped since the last.</summary>
    public bool TryEnter(out long heldBack)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + (long)interval.TotalMilliseconds, next) == next)
        {
            heldBack = Interlocked.Exchange(ref _heldBack, 0);
            return true;
        }

        Interlocked.Increment(ref _heldBack);
        heldBack = 0;
        return false;
    }
}
