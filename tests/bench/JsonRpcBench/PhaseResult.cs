namespace Jumpstart.Bench.JsonRpc;

/// <summary>What one timed phase measured: calls completed, their rate, and latency percentiles.</summary>
public sealed record PhaseResult(long Calls, double CallsPerSecond, double P50Us, double P99Us)
{
    public static PhaseResult From(List<double> latenciesUs, TimeSpan elapsed)
    {
        latenciesUs.Sort();
        return new PhaseResult(latenciesUs.Count, latenciesUs.Count / elapsed.TotalSeconds, Percentile(latenciesUs, 0.50), Percentile(latenciesUs, 0.99));
    }

    private static double Percentile(List<double> sorted, double p)
        => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
}
