namespace Jumpstart.Shared.Sockets;

/// <summary>
/// Lets one log entry through per interval and counts those held back, so a flood (refused connections, failed
/// accepts) costs one line per interval instead of one per event. Thread-safe.
/// </summary>
public sealed class LogThrottle(TimeSpan interval)
{
    private readonly long _intervalMs = (long)interval.TotalMilliseconds;
    private long _nextAt;
    private long _heldBack;

    /// <summary>True when this entry may be logged; <paramref name="heldBack"/> is how many were held back since the last one.</summary>
    public bool TryEnter(out long heldBack)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextAt);
        if (now < next || Interlocked.CompareExchange(ref _nextAt, now + _intervalMs, next) != next)
        {
            Interlocked.Increment(ref _heldBack);
            heldBack = 0;
            return false;
        }

        heldBack = Interlocked.Exchange(ref _heldBack, 0);
        return true;
    }
}
