namespace Jumpstart.Shared.Cluster;

/// <summary>The answer to <c>cluster.status</c>: this host's part in the cluster.</summary>
public sealed record ClusterStatus
{
    /// <summary><see cref="ClusterRoles"/>: none, manager or member.</summary>
    public required string Role { get; init; }

    /// <summary>This host's name in the cluster (hostd's node name before it joins).</summary>
    public required string Name { get; init; }

    public string? CaHash { get; init; }

    /// <summary>Where the cluster port listens (null in no cluster).</summary>
    public string? Listen { get; init; }

    /// <summary>A member's manager, <c>HOST:PORT</c>.</summary>
    public string? Manager { get; init; }

    public string? ManagerName { get; init; }

    public DateTimeOffset? CertificateExpires { get; init; }

    /// <summary>This host's certificate serial (hex).</summary>
    public string? Serial { get; init; }

    /// <summary>The revocation list this host enforces.</summary>
    public long CrlNumber { get; init; }

    /// <summary>A member: whether its connection to the manager is up. The manager: true.</summary>
    public bool Connected { get; init; }

    /// <summary>A member: when the manager last acknowledged a heartbeat.</summary>
    public DateTimeOffset? LastHeartbeatAt { get; init; }

    /// <summary>A member: why the last connection to the manager failed, if it did.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// The store the manager keeps the cluster in (<c>sqlite</c> or <c>etcd://...</c>); a manager on etcd also says
    /// whether it leads (<see cref="Leading"/>). Null on members.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>A manager on etcd: whether it is the elected leader now. Null on SQLite (the one manager always leads).</summary>
    public bool? Leading { get; init; }

    /// <summary>Every manager this host knows (its cluster.json), in the order a member tries them.</summary>
    public ManagerAddress[]? Managers { get; init; }

    /// <summary>True when this host's own certificate is on the revocation list (it was removed).</summary>
    public bool Revoked { get; init; }
}
