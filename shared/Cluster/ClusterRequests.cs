namespace Jumpstart.Shared.Cluster;

/// <summary><c>cluster.token.create</c>: how long the token lives and how many joins it admits (defaults when null).</summary>
public sealed record TokenCreateRequest
{
    /// <summary>Lifetime in seconds; null takes the manager's default (one hour).</summary>
    public long? TtlSeconds { get; init; }

    /// <summary>Joins the token admits; null takes the default (one).</summary>
    public int? Uses { get; init; }
}

/// <summary><c>cluster.join</c>: the manager to join, the token it issued, and the pinned hash of its CA.</summary>
public sealed record ClusterJoinRequest
{
    /// <summary>The manager's cluster port, <c>HOST:PORT</c>.</summary>
    public required string Manager { get; init; }

    /// <summary>A token from <c>jumpstart cluster token create</c> on the manager.</summary>
    public required string Token { get; init; }

    /// <summary><c>sha256:HEX</c> of the CA's SubjectPublicKeyInfo, as <c>jumpstart cluster init</c> printed it.</summary>
    public required string CaHash { get; init; }
}

/// <summary><c>cluster.remove</c>: the host to remove.</summary>
/// <summary>The parameters of <c>cluster.init</c> (all optional).</summary>
public sealed record ClusterInitRequest
{
    /// <summary>The manager's store: <c>sqlite</c> or <c>etcd://HOST:PORT,...</c>; null: <c>Cluster:Store</c>.</summary>
    public string? Store { get; init; }
}

/// <summary>The parameters of <c>cluster.add-manager</c>.</summary>
public sealed record ClusterAddManagerRequest
{
    /// <summary>The member to make a manager (its name in <c>cluster hosts</c>).</summary>
    public required string Name { get; init; }
}

/// <summary>The parameters of <c>cluster.migrate-store</c>.</summary>
public sealed record ClusterMigrateStoreRequest
{
    /// <summary>The store to move to: <c>etcd://HOST:PORT,...</c>.</summary>
    public required string To { get; init; }
}

public sealed record ClusterRemoveRequest
{
    public required string Name { get; init; }
}
