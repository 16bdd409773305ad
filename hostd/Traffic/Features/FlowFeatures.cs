using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Hostd.Traffic.Features;

/// <summary>
/// The features of a finished flow, per flow and per direction (forward = upload = the direction of
/// the first packet). Units as in <see cref="DirectionFeatures"/>.
/// </summary>
public sealed record FlowFeatures
{
    public long Packets { get; init; }

    public long Bytes { get; init; }

    /// <summary>First to last packet of the flow, seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>All bytes / duration, bytes per second (0 for a zero duration).</summary>
    public double RateBytesPerSecond { get; init; }

    /// <summary>Bytes sent by the client (forward).</summary>
    public long UpBytes { get; init; }

    /// <summary>Bytes sent by the server (backward).</summary>
    public long DownBytes { get; init; }

    /// <summary>Whole-flow density: (packets - 1) / duration, packets per second.</summary>
    public double DensityPacketsPerSecond { get; init; }

    public required DirectionFeatures Forward { get; init; }

    public required DirectionFeatures Backward { get; init; }

    public static FlowFeatures From(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var duration = flow.DurationNanoseconds / 1e9;
        var forward = flow.Forward;
        var backward = flow.Backward;
        var packets = forward.Packets + backward.Packets;
        var bytes = forward.Bytes + backward.Bytes;
        return new FlowFeatures
        {
            Packets = packets,
            Bytes = bytes,
            DurationSeconds = duration,
            RateBytesPerSecond = duration > 0 ? bytes / duration : 0,
            UpBytes = forward.Bytes,
            DownBytes = backward.Bytes,
            DensityPacketsPerSecond = duration > 0 && packets > 1 ? (packets - 1) / duration : 0,
            Forward = DirectionFeatures.From(forward),
            Backward = DirectionFeatures.From(backward),
        };
    }
}
