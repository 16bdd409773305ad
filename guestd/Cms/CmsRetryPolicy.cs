namespace Jumpstart.Guestd.Cms;

/// <summary>
/// How hard guestd tries to reach the CMS: exponential backoff from <see cref="InitialDelay"/> to
/// <see cref="MaxDelay"/>, each attempt bounded by <see cref="AttemptTimeout"/>, all within <see cref="Budget"/>.
/// </summary>
public sealed record CmsRetryPolicy
{
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A TCP connect to a silent address would otherwise wait for the kernel's SYN retries.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The delay after <paramref name="attempt"/> failures (1-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 16));
        return TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
    }
}
