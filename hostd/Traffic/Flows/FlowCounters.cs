namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>What a <see cref="FlowTable"/> and its feeder saw; every packet lands in exactly one of the first six.</summary>
public sealed class FlowCounters
{
    private readonly Dictionary<int, long> _unsupportedLinkTypes = [];

    /// <summary>Packets added to a flow.</summary>
    public long FlowPackets { get; internal set; }

    /// <summary>Frames that carry no IP (ARP, LLDP, ...).</summary>
    public long NonIpPackets { get; internal set; }

    /// <summary>Packets cut short by the snap length before their ports; counted nowhere else.</summary>
    public long TruncatedPackets { get; internal set; }

    /// <summary>Packets whose headers contradict themselves; skipped.</summary>
    public long MalformedPackets { get; internal set; }

    /// <summary>Packets on a link type the decoder does not know.</summary>
    public long UnsupportedLinkPackets { get; internal set; }

    /// <summary>Packets on link types the decoder does not know, per link type (DLT number).</summary>
    public IReadOnlyDictionary<int, long> UnsupportedLinkTypes => _unsupportedLinkTypes;

    /// <summary>Packets whose tunnel header or inner packet is malformed, or whose tunnels nest too deep; skipped.</summary>
    public long BadTunnelPackets { get; internal set; }

    /// <summary>Packets added to a flow by their inner packet (a subset of <see cref="FlowPackets"/>).</summary>
    public long TunnelledPackets { get; internal set; }

    /// <summary>Later IP fragments whose first fragment was not seen; they join the port-0 flow of their addresses.</summary>
    public long OrphanFragments { get; internal set; }

    /// <summary>Later IP fragments left out because <see cref="FlowTableOptions.FollowFragments"/> is off.</summary>
    public long SkippedFragments { get; internal set; }

    public long FlowsCreated { get; internal set; }

    public long FlowsFinished { get; internal set; }

    /// <summary>Flows ended early because the table was full.</summary>
    public long Evictions { get; internal set; }

    /// <summary>All packets offered.</summary>
    public long TotalPackets => FlowPackets + SkippedFragments + NonIpPackets + TruncatedPackets + MalformedPackets + UnsupportedLinkPackets + BadTunnelPackets;

    internal void CountUnsupportedLink(int linkType)
    {
        UnsupportedLinkPackets++;
        _unsupportedLinkTypes[linkType] = _unsupportedLinkTypes.GetValueOrDefault(linkType) + 1;
    }
}
