namespace Jumpstart.Shared.Cluster;

/// <summary>The ways a bundle can travel to other hosts (issue 14 section 3).</summary>
public static class BundleTransports
{
    /// <summary>The manager picks (from the number of hosts and the measured bandwidth).</summary>
    public const string Auto = "auto";

    /// <summary>The source sends to each host on its own stream, a bounded number at once.</summary>
    public const string Unicast = "unicast";

    /// <summary>A pipelined chain: each host forwards every verified chunk to the next at once.</summary>
    public const string Chain = "chain";

    /// <summary>uftp multicast of AES-GCM encrypted chunks; the key travels over TLS.</summary>
    public const string Multicast = "multicast";

    public static readonly IReadOnlyList<string> All = [Auto, Unicast, Chain, Multicast];

    public static bool IsValid(string? transport) => transport is not null && All.Contains(transport, StringComparer.Ordinal);
}

/// <summary><c>bundle.distribute</c> (CLI -> local hostd): send a bundle this host holds to other hosts.</summary>
public sealed record DistributeRequest
{
    /// <summary>A bundle name (this host's bundles, then its cache) or a bundle id.</summary>
    public required string Bundle { get; init; }

    /// <summary>The receiving hosts, by cluster name.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>One of <see cref="BundleTransports"/>; null or <c>auto</c>: the manager picks.</summary>
    public string? Transport { get; init; }
}

/// <summary>How one host fared in a distribution.</summary>
public sealed record DistributeHostResult
{
    public required string Host { get; init; }

    /// <summary><c>done</c>, <c>already-held</c> or <c>failed</c>.</summary>
    public required string State { get; init; }

    /// <summary>Bytes of the bundle this host verified.</summary>
    public long Bytes { get; init; }

    /// <summary>Bytes the source sent on this host's stream (a chain's first hop carries the whole chain's).</summary>
    public long BytesSent { get; init; }

    /// <summary>Seconds from the start of the distribution until this host finished.</summary>
    public double Seconds { get; init; }

    public string? Message { get; init; }
}

/// <summary>The answer of <c>bundle.distribute</c>: the transport used and why, and a line per host.</summary>
public sealed record DistributeResult
{
    public required string Bundle { get; init; }

    /// <summary>The content address: SHA-256 of the bundle's manifest.json.</summary>
    public required string BundleId { get; init; }

    public required long Bytes { get; init; }

    public required string Transport { get; init; }

    /// <summary>Why this transport (the manager's prediction, or "forced by the operator").</summary>
    public required string Reason { get; init; }

    public required double Seconds { get; init; }

    public required IReadOnlyList<DistributeHostResult> Hosts { get; init; }

    /// <summary>True when every host holds the bundle now.</summary>
    public bool Succeeded => Hosts.All(h => h.State is DistributeStates.Done or DistributeStates.AlreadyHeld);
}

/// <summary>The per-host states of <see cref="DistributeHostResult.State"/>.</summary>
public static class DistributeStates
{
    public const string Done = "done";

    public const string AlreadyHeld = "already-held";

    public const string Failed = "failed";
}

/// <summary><c>manager.distribution.plan</c> (source host -> manager): which transport, and which hosts need the bundle.</summary>
public sealed record DistributionPlanRequest
{
    public required string BundleId { get; init; }

    public required long Bytes { get; init; }

    public required int ChunkBytes { get; init; }

    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>Forced by the operator; null or <c>auto</c>: the manager picks.</summary>
    public string? Transport { get; init; }
}

/// <summary>The manager's plan.</summary>
public sealed record DistributionPlan
{
    public required string Transport { get; init; }

    public required string Reason { get; init; }

    /// <summary>The hosts to send to, in the order to use (a chain's route).</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>Hosts that hold the bundle already (the source among them, when named): nothing is sent to them.</summary>
    public IReadOnlyList<string> Held { get; init; } = [];

    /// <summary>Hosts the manager has marked down: not tried.</summary>
    public IReadOnlyList<string> Down { get; init; } = [];
}

/// <summary><c>manager.distribution.record</c> (source -> manager): what a distribution achieved, for the holdings and the bandwidth the next plan uses.</summary>
public sealed record DistributionRecord
{
    public required string BundleId { get; init; }

    public required long Bytes { get; init; }

    public required string Transport { get; init; }

    public required double Seconds { get; init; }

    public required IReadOnlyList<DistributeHostResult> Hosts { get; init; }
}
