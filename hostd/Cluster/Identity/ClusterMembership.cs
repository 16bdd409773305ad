namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// What this host is in its cluster, kept in <c>cluster.json</c> in the cluster directory. Written last by
/// <c>init</c> and <c>join</c>, so a host that crashed half-way through is in no cluster and may try again.
/// </summary>
public sealed record ClusterMembership
{
    /// <summary><see cref="Shared.Cluster.ClusterRoles.Manager"/> or <see cref="Shared.Cluster.ClusterRoles.Member"/>.</summary>
    public required string Role { get; init; }

    /// <summary>This host's name (the name in its certificate).</summary>
    public required string Name { get; init; }

    /// <summary>A member's manager, <c>HOST:PORT</c> as given to <c>join</c>; null on the manager.</summary>
    public string? Manager { get; init; }

    /// <summary>The name in the manager's certificate.</summary>
    public required string ManagerName { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>
    /// The manager's store, as <c>init --store</c> or <c>migrate-store</c> chose it (<c>sqlite</c> or <c>etcd://...</c>);
    /// null: <c>Cluster:Store</c>. Kept here so that a restarted manager cannot fall back to the other store.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>
    /// Every manager of the cluster (several on etcd), as the managers last told this host; null in a cluster.json
    /// written before there could be several: then the one of <see cref="Manager"/>.
    /// </summary>
    public Shared.Cluster.ManagerAddress[]? Managers { get; init; }

    /// <summary>The managers to try, in order: <see cref="Managers"/>, else the one of <see cref="Manager"/>.</summary>
    public IReadOnlyList<Shared.Cluster.ManagerAddress> ManagerList()
        => Managers is { Length: > 0 } managers ? managers
            : Manager is { } endpoint ? [new Shared.Cluster.ManagerAddress { Name = ManagerName, Endpoint = endpoint }]
            : [];
}
