namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>
/// Thresholds of <see cref="BackgroundDeployer"/>. Hysteresis: an episode starts when the real server's recent
/// mean latency exceeds <see cref="StartLatencyMicroseconds"/> for <see cref="ConsecutiveSamples"/> intervals in a
/// row, and replicas keep being added until it falls to <see cref="TargetLatencyMicroseconds"/> or below.
/// </summary>
public sealed record BackgroundDeployerOptions
{
    /// <summary>Time between two looks at the statistics.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Latency that starts an episode of adding replicas.</summary>
    public double StartLatencyMicroseconds { get; init; } = 5_000;

    /// <summary>Latency an episode brings the server back to (below the start threshold).</summary>
    public double TargetLatencyMicroseconds { get; init; } = 2_000;

    /// <summary>Intervals in a row above the threshold before acting (one slow sample is noise).</summary>
    public int ConsecutiveSamples { get; init; } = 2;

    /// <summary>Intervals to wait after a switch before judging again (the window must fill with new requests).</summary>
    public int CooldownIntervals { get; init; } = 2;

    /// <summary>Below this request rate latency is not acted on (a few slow requests are not load).</summary>
    public double MinRequestsPerSecond { get; init; } = 1;

    /// <summary>Most replicas this deployer adds.</summary>
    public int MaxReplicas { get; init; } = 8;

    internal void Validate()
    {
        if (Interval <= TimeSpan.Zero || StartLatencyMicroseconds <= 0 || TargetLatencyMicroseconds <= 0
            || TargetLatencyMicroseconds > StartLatencyMicroseconds || ConsecutiveSamples < 1 || CooldownIntervals < 0
            || MinRequestsPerSecond < 0 || MaxReplicas is < 1 or > 1024)
        {
            throw new ArgumentException("background deployer options out of range: interval > 0, 0 < target <= start latency, samples >= 1, cooldown >= 0, 1 <= max replicas <= 1024");
        }
    }
}
