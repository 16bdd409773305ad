using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>
/// A finished flow as stored, exported and shown: endpoints (client = sender of the first packet),
/// times, why it ended, where it was captured, its features, its NIMS vector and, once the
/// classifier has seen it, a label with a confidence in [0, 1].
/// </summary>
public sealed record FlowRow
{
    public long Id { get; init; }

    /// <summary>First packet, UTC.</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>Last packet, UTC.</summary>
    public DateTimeOffset End { get; init; }

    public required string Client { get; init; }

    public int ClientPort { get; init; }

    public required string Server { get; init; }

    public int ServerPort { get; init; }

    public int Protocol { get; init; }

    public int Vlan { get; init; }

    public FlowEndReason EndReason { get; init; }

    public string? Vm { get; init; }

    public string? InstanceId { get; init; }

    public string? Deployment { get; init; }

    public string? Label { get; init; }

    public double? Confidence { get; init; }

    public required FlowFeatures Features { get; init; }

    /// <summary>The 22 NIMS features in <see cref="NimsFeatures.Names"/> order.</summary>
    public required IReadOnlyList<double> Nims { get; init; }

    public static FlowRow From(Flow flow, FlowTags? tags = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        tags ??= FlowTags.None;
        return new FlowRow
        {
            Id = flow.Id,
            Start = FromNanoseconds(flow.FirstNanoseconds),
            End = FromNanoseconds(flow.LastNanoseconds),
            Client = FlowAddress.Format(flow.Client),
            ClientPort = flow.ClientPort,
            Server = FlowAddress.Format(flow.Server),
            ServerPort = flow.ServerPort,
            Protocol = flow.Protocol,
            Vlan = flow.VlanId,
            EndReason = flow.EndReason ?? FlowEndReason.EndOfCapture,
            Vm = tags.Vm,
            InstanceId = tags.InstanceId,
            Deployment = tags.Deployment,
            Features = FlowFeatures.From(flow),
            Nims = NimsFeatures.Vector(flow),
        };
    }

    private static DateTimeOffset FromNanoseconds(long nanoseconds)
        => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
}
