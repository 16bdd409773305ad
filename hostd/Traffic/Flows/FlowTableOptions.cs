using Jumpstart.Hostd.Traffic.Decoding;

namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>When flows end and how many may be open at once.</summary>
public sealed record FlowTableOptions
{
    /// <summary>The most flows the table holds; beyond it the least recently seen flow is evicted.</summary>
    public int MaxActiveFlows { get; init; } = 262_144;

    /// <summary>A flow with no packet for this long ends (<see cref="FlowEndReason.Idle"/>); null: never.</summary>
    public TimeSpan? IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>A flow older than this ends and its 5-tuple starts a new flow; null: never.</summary>
    public TimeSpan? ActiveTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>End TCP flows on RST or FIN in both directions.</summary>
    public bool EndOnTcpClose { get; init; } = true;

    /// <summary>How long a closed TCP flow still takes late packets (the last ACK, retransmitted FINs) before it is finished.</summary>
    public TimeSpan TcpCloseLinger { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First fragments remembered so later fragments of the same datagram join its flow.</summary>
    public int MaxTrackedFragments { get; init; } = 4_096;

    /// <summary>
    /// Later IP fragments join the flow of their first fragment (true), or are counted in
    /// <see cref="FlowCounters.SkippedFragments"/> and left out (false, as ndpiReader does).
    /// </summary>
    public bool FollowFragments { get; init; } = true;

    /// <summary>
    /// The tunnels looked through so the inner packet keys the flow (<see cref="TunnelKinds.All"/>, the
    /// default: <c>TunnelLayer</c> inner); <see cref="TunnelKinds.None"/> keys every packet by its outer header.
    /// </summary>
    public TunnelKinds Tunnels { get; init; } = TunnelKinds.All;

    /// <summary>Also keep ndpiReader's inter-arrival statistics (<see cref="Flow.NdpiInterArrival"/>) beside the NIMS ones.</summary>
    public bool NdpiInterArrival { get; init; }

    /// <summary>The tunnels for a <see cref="TunnelLayer"/>: all of them for the inner layer, none for the outer.</summary>
    public static TunnelKinds TunnelsFor(TunnelLayer layer) => layer == TunnelLayer.Outer ? TunnelKinds.None : TunnelKinds.All;

    /// <summary>Options that mirror ndpiReader's flow accounting on a capture file (no timeouts, no TCP split, later fragments left out, the tunnels ndpiReader follows, its inter-arrival statistics).</summary>
    public static FlowTableOptions NdpiCompatible { get; } = new() { IdleTimeout = null, ActiveTimeout = null, EndOnTcpClose = false, MaxActiveFlows = 4_000_000, FollowFragments = false, Tunnels = TunnelKinds.Ndpi, NdpiInterArrival = true };
}
