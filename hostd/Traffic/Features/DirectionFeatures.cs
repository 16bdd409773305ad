using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Hostd.Traffic.Features;

/// <summary>
/// The statistics of one direction of a flow. Units: bytes (whole frames at their wire length),
/// seconds for durations, bytes per second for rates, microseconds for inter-arrival times.
/// </summary>
public sealed record DirectionFeatures
{
    public long Packets { get; init; }

    public long Bytes { get; init; }

    /// <summary>From this direction's first to its last packet, seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary><see cref="Bytes"/> / <see cref="DurationSeconds"/>, bytes per second (0 for a zero duration).</summary>
    public double RateBytesPerSecond { get; init; }

    public double PacketLengthMin { get; init; }

    public double PacketLengthMean { get; init; }

    public double PacketLengthMax { get; init; }

    /// <summary>Population standard deviation of the frame lengths, bytes.</summary>
    public double PacketLengthStd { get; init; }

    public double InterArrivalMinMicroseconds { get; init; }

    public double InterArrivalMeanMicroseconds { get; init; }

    public double InterArrivalMaxMicroseconds { get; init; }

    /// <summary>Population standard deviation of the inter-arrival times, microseconds.</summary>
    public double InterArrivalStdMicroseconds { get; init; }

    /// <summary>
    /// Packets per second of this direction's span: (packets - 1) / duration, i.e. the inverse of the
    /// mean inter-arrival time (0 with fewer than two packets or a zero duration).
    /// </summary>
    public double DensityPacketsPerSecond { get; init; }

    /// <summary>
    /// Burstiness B = (σ - μ) / (σ + μ) of the inter-arrival times (K.-I. Goh and A.-L. Barabási,
    /// "Burstiness and memory in complex systems", EPL 81, 48002, 2008): -1 perfectly periodic,
    /// 0 Poisson-like, towards +1 bursty. 0 with fewer than two inter-arrival times.
    /// </summary>
    public double Burstiness { get; init; }

    public static DirectionFeatures From(in FlowDirection direction)
    {
        var duration = (direction.LastNanoseconds - direction.FirstNanoseconds) / 1e9;
        var lengths = direction.FrameLengths;
        var gaps = direction.InterArrivalMicroseconds;
        var gapStd = gaps.PopulationStandardDeviation;
        return new DirectionFeatures
        {
            Packets = direction.Packets,
            Bytes = direction.Bytes,
            DurationSeconds = duration,
            RateBytesPerSecond = duration > 0 ? direction.Bytes / duration : 0,
            PacketLengthMin = lengths.Minimum,
            PacketLengthMean = lengths.Mean,
            PacketLengthMax = lengths.Maximum,
            PacketLengthStd = lengths.PopulationStandardDeviation,
            InterArrivalMinMicroseconds = gaps.Minimum,
            InterArrivalMeanMicroseconds = gaps.Mean,
            InterArrivalMaxMicroseconds = gaps.Maximum,
            InterArrivalStdMicroseconds = gapStd,
            DensityPacketsPerSecond = duration > 0 && direction.Packets > 1 ? (direction.Packets - 1) / duration : 0,
            Burstiness = gaps.Count >= 2 && gapStd + gaps.Mean > 0 ? (gapStd - gaps.Mean) / (gapStd + gaps.Mean) : 0,
        };
    }
}
