namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// A flow being assembled. The forward endpoint is the source of its first packet. Only the
/// <see cref="FlowTable"/> changes it.
/// </summary>
public sealed class Flow
{
    internal Flow(long id, FlowKey key, in Decoding.DecodedPacket first, long timestampNanoseconds, bool ndpiInterArrival = false)
    {
        NdpiInterArrival = ndpiInterArrival ? new NdpiInterArrival() : null;
        Id = id;
        Key = key;
        Client = first.Source;
        Server = first.Destination;
        ClientPort = first.SourcePort;
        ServerPort = first.DestinationPort;
        Protocol = first.Protocol;
        IpVersion = first.IpVersion;
        VlanId = first.VlanId;
        FirstNanoseconds = timestampNanoseconds;
        LastNanoseconds = timestampNanoseconds;
    }

    public long Id { get; }

    /// <summary>ndpiReader's inter-arrival statistics, when <see cref="FlowTableOptions.NdpiInterArrival"/> is on (else null).</summary>
    public NdpiInterArrival? NdpiInterArrival { get; }

    public FlowKey Key { get; }

    /// <summary>Source of the first packet (forward direction's sender).</summary>
    public UInt128 Client { get; }

    public UInt128 Server { get; }

    public ushort ClientPort { get; }

    public ushort ServerPort { get; }

    public byte Protocol { get; }

    public byte IpVersion { get; }

    public ushort VlanId { get; }

    public long FirstNanoseconds { get; }

    public long LastNanoseconds { get; internal set; }

    /// <summary>Client to server (upload).</summary>
    public FlowDirection Forward => ForwardData;

    /// <summary>Server to client (download).</summary>
    public FlowDirection Backward => BackwardData;

    internal FlowDirection ForwardData;

    internal FlowDirection BackwardData;

    /// <summary>Why the flow ended; null while it is open.</summary>
    public FlowEndReason? EndReason { get; internal set; }

    /// <summary>Wall-clock span from first to last packet, nanoseconds.</summary>
    public long DurationNanoseconds => LastNanoseconds - FirstNanoseconds;

    internal bool ForwardFin { get; set; }

    internal bool BackwardFin { get; set; }

    /// <summary>RST seen, or FIN both ways: the flow only lingers for late packets.</summary>
    internal bool Closed { get; set; }

    /// <summary>Least-recently-seen list links (the table's eviction and idle order).</summary>
    internal Flow? Older { get; set; }

    internal Flow? Newer { get; set; }
}
