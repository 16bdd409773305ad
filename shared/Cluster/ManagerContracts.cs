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

    /// <summary>Every manager of the cluster (several on etcd); the host fails over to the next when one is unreachable.</summary>
    public ManagerAddress[]? Managers { get; init; }
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

    /// <summary>Every manager of the cluster, so a host learns of a manager added since its hello.</summary>
    public ManagerAddress[]? Managers { get; init; }
}

/// <summary>One manager of the cluster: its name (in its certificate) and its cluster port.</summary>
public sealed record ManagerAddress
{
    /// <summary>The most managers a host keeps (a cluster has one, or a few on etcd).</summary>
    public const int MaxManagers = 9;

    public required string Name { get; init; }

    /// <summary><c>HOST:PORT</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Its CMS on the cluster's etcd as guests reach it (<c>HOST:PORT</c>, from its heartbeats); null: none known.</summary>
    public string? Cms { get; init; }
}

/// <summary>
/// <c>host.promote</c>, manager -> member (<c>jumpstart cluster add-manager</c>): the CA key and the etcd store, with
/// which the member becomes a manager of the same etcd-backed cluster.
/// </summary>
public sealed record PromoteMessage
{
    /// <summary>Largest PEM key accepted.</summary>
    public const int MaxKeyChars = 16 * 1024;

    /// <summary>The cluster CA's private key (PKCS#8 PEM), sent over the mutual-TLS connection only.</summary>
    public required string CaKey { get; init; }

    /// <summary><c>etcd://HOST:PORT,...</c>.</summary>
    public required string Store { get; init; }

    /// <summary>Every manager, the promoted host included.</summary>
    public required ManagerAddress[] Managers { get; init; }
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
