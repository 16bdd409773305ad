namespace Jumpstart.Shared.Cluster;

/// <summary>One host as the manager knows it (<c>cluster.hosts</c>).</summary>
public sealed record ClusterHostInfo
{
    /// <summary>The name in its certificate.</summary>
    public required string Name { get; init; }

    /// <summary><see cref="ClusterRoles.Manager"/> or <see cref="ClusterRoles.Member"/>.</summary>
    public required string Role { get; init; }

    /// <summary><see cref="HostStates"/>: up, down or removed.</summary>
    public required string State { get; init; }

    /// <summary>Where other hosts reach its cluster port.</summary>
    public required string Endpoint { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public DateTimeOffset? LastHeartbeatAt { get; init; }

    /// <summary>Its certificate's serial number (hex).</summary>
    public required string Serial { get; init; }

    /// <summary>The capacity of its last heartbeat; null before the first.</summary>
    public HostCapacity? Capacity { get; init; }
}
