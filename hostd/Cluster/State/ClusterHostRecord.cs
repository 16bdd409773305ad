using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.State;

/// <summary>One host as the manager's store keeps it.</summary>
public sealed record ClusterHostRecord
{
    /// <summary>The name in its certificate (lower case).</summary>
    public required string Name { get; init; }

    /// <summary><see cref="ClusterRoles.Manager"/> or <see cref="ClusterRoles.Member"/>.</summary>
    public required string Role { get; init; }

    /// <summary><see cref="HostStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>Where other hosts reach its cluster port, <c>HOST:PORT</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Its certificate's serial number (upper-case hex).</summary>
    public required string Serial { get; init; }

    /// <summary>Its certificate (PEM).</summary>
    public required string Certificate { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public DateTimeOffset? LastHeartbeatAt { get; init; }

    /// <summary>The capacity of its last heartbeat.</summary>
    public HostCapacity? Capacity { get; init; }
}
