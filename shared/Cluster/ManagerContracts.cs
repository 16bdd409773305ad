namespace Jumpstart.Shared.Cluster;

/// <summary><c>manager.hello</c>: a host's first call on a new connection.</summary>
public sealed record HostHello
{
    public required HostCapacity Capacity { get; init; }

    /// <summary>The revocation list number the host has.</summary>
    public required long CrlNumber { get; init; }
}

/// <summary>The answer to <c>manager.hello</c>.</summary>
public sealed record HelloResult
{
    /// <summary>The manager's revocation list, when newer than the host's.</summary>
    public RevocationListMessage? Revocations { get; init; }

    /// <summary>How often the manager expects a heartbeat, in milliseconds.</summary>
    public required int HeartbeatIntervalMs { get; init; }
}

/// <summary><c>manager.heartbeat</c>.</summary>
public sealed record HostHeartbeat
{
    public required HostCapacity Capacity { get; init; }
}

/// <summary>The answer to <c>manager.heartbeat</c>.</summary>
public sealed record HeartbeatResult
{
    /// <summary>The manager's revocation list number; a host that has an older one fetches it.</summary>
    public required long CrlNumber { get; init; }
}

/// <summary>A revocation list: <c>manager.revocations</c>'s answer and the <c>host.revocations</c> push.</summary>
public sealed record RevocationListMessage
{
    /// <summary>Largest PEM revocation list a host accepts.</summary>
    public const int MaxCrlChars = 1024 * 1024;

    public required long CrlNumber { get; init; }

    /// <summary>The X.509 CRL (PEM), signed by the cluster's CA; a host checks the signature before using it.</summary>
    public required string Crl { get; init; }
}
