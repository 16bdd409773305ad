namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// A snapshot of one export's counters since it was added: the inputs of background deployment
/// (load and latency at the real image server) and of <c>jumpstart image stats</c>.
/// </summary>
public sealed record NbdExportStatistics
{
    /// <summary>Export name.</summary>
    public required string Export { get; init; }

    /// <summary>Connections open now that selected this export.</summary>
    public int Connections { get; init; }

    /// <summary>Requests of every kind answered.</summary>
    public long Requests { get; init; }

    /// <summary>Read requests answered.</summary>
    public long Reads { get; init; }

    /// <summary>Bytes returned by reads.</summary>
    public long BytesRead { get; init; }

    /// <summary>Bytes accepted by writes.</summary>
    public long BytesWritten { get; init; }

    /// <summary>Requests answered with an error.</summary>
    public long Errors { get; init; }

    /// <summary>Requests per second over the last few seconds (a sliding window).</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>Read bytes per second over the same window.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Mean service time of requests in the window, microseconds (request read -> reply sent).</summary>
    public double RecentMeanLatencyMicroseconds { get; init; }

    /// <summary>Latency histogram since the start: bucket i counts requests that took [2^i, 2^(i+1)) microseconds
    /// (bucket 0 also holds anything under 1 µs).</summary>
    public required long[] LatencyHistogram { get; init; }

    /// <summary>Estimated percentile from the histogram, microseconds (upper bound of the bucket).</summary>
    public double LatencyPercentileMicroseconds(double percentile)
    {
        long total = 0;
        foreach (var count in LatencyHistogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * total);
        long seen = 0;
        for (var i = 0; i < LatencyHistogram.Length; i++)
        {
            seen += LatencyHistogram[i];
            if (seen >= Math.Max(rank, 1))
            {
                return Math.Pow(2, i + 1);
            }
        }

        return Math.Pow(2, LatencyHistogram.Length);
    }
}
