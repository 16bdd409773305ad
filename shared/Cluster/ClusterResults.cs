namespace Jumpstart.Shared.Cluster;

/// <summary>The answer to <c>cluster.init</c>: the new cluster's manager and CA pin.</summary>
public sealed record ClusterInitResult
{
    /// <summary>This host's name in the cluster (the name in its certificate).</summary>
    public required string Name { get; init; }

    /// <summary><c>sha256:HEX</c> of the CA's SubjectPublicKeyInfo: what joiners pin with <c>--ca-hash</c>.</summary>
    public required string CaHash { get; init; }

    /// <summary>The address the cluster port listens on.</summary>
    public required string Listen { get; init; }

    /// <summary>Where other hosts reach the manager, when known (<c>Cluster:AdvertiseAddress</c> or a specific listen address).</summary>
    public string? Endpoint { get; init; }
}

/// <summary>The answer to <c>cluster.token.create</c>. The token itself is shown once; the manager keeps only its hash.</summary>
public sealed record TokenCreateResult
{
    public required string Token { get; init; }

    /// <summary>The token's public part (before the dot), which <c>token list</c> shows.</summary>
    public required string Id { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required int Uses { get; init; }
}

/// <summary>One join token as <c>cluster.token.list</c> shows it (no secret).</summary>
public sealed record TokenInfo
{
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required int MaxUses { get; init; }

    public required int Used { get; init; }
}

/// <summary>The answer to <c>cluster.join</c>.</summary>
public sealed record ClusterJoinResult
{
    /// <summary>This host's name in the cluster.</summary>
    public required string Name { get; init; }

    /// <summary>The manager's name (the name in its certificate).</summary>
    public required string ManagerName { get; init; }

    /// <summary>The manager's cluster port as given.</summary>
    public required string Manager { get; init; }

    public required string CaHash { get; init; }

    /// <summary>When this host's new certificate expires.</summary>
    public required DateTimeOffset CertificateExpires { get; init; }
}

/// <summary>The answer to <c>cluster.remove</c>.</summary>
/// <summary>The answer to <c>cluster.add-manager</c>: every manager now.</summary>
public sealed record ClusterAddManagerResult
{
    public required string Name { get; init; }

    public required ManagerAddress[] Managers { get; init; }
}

/// <summary>The answer to <c>cluster.migrate-store</c>: what was copied, and the store the manager now uses.</summary>
public sealed record ClusterMigrateStoreResult
{
    public required string From { get; init; }

    public required string To { get; init; }

    public required int Hosts { get; init; }

    public required int Tokens { get; init; }

    public required int Revocations { get; init; }

    public required int Deployments { get; init; }

    public required int Placements { get; init; }

    public required int Holdings { get; init; }
}

public sealed record ClusterRemoveResult
{
    public required string Name { get; init; }

    /// <summary>The revoked certificate's serial number (hex).</summary>
    public required string Serial { get; init; }

    /// <summary>The number of the revocation list that now holds it.</summary>
    public required long CrlNumber { get; init; }

    /// <summary>How many connected hosts the new list was pushed to.</summary>
    public required int Notified { get; init; }
}
