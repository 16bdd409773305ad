namespace Jumpstart.Hostd.Cluster;

/// <summary>The cluster's fixed bounds (the configurable ones are in <see cref="ClusterOptions"/>).</summary>
public static class ClusterLimits
{
    /// <summary>A token's lifetime unless the request says otherwise.</summary>
    public static readonly TimeSpan DefaultTokenTtl = TimeSpan.FromHours(1);

    /// <summary>The longest lifetime a token may be given.</summary>
    public static readonly TimeSpan MaxTokenTtl = TimeSpan.FromDays(7);

    /// <summary>The shortest lifetime a token may be given.</summary>
    public static readonly TimeSpan MinTokenTtl = TimeSpan.FromSeconds(1);

    /// <summary>Joins a token admits unless the request says otherwise.</summary>
    public const int DefaultTokenUses = 1;

    /// <summary>Most joins one token may admit.</summary>
    public const int MaxTokenUses = 1000;

    /// <summary>Most unexpired tokens the manager keeps; creating one more is refused.</summary>
    public const int MaxTokens = 1000;

    /// <summary>Most hosts (removed ones included) the manager keeps.</summary>
    public const int MaxHosts = 1000;

    /// <summary>How long a host certificate is valid.</summary>
    public static readonly TimeSpan HostCertificateLifetime = TimeSpan.FromDays(365);

    /// <summary>How long the CA certificate is valid.</summary>
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);

    /// <summary>Clock skew a new certificate allows for (its notBefore is this far in the past).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Largest JSON-RPC message on a join connection (a CSR and a token fit in a few KiB).</summary>
    public const int MaxJoinMessageBytes = 64 * 1024;

    /// <summary>Largest JSON-RPC message between hosts and the manager (a host list, a revocation list).</summary>
    public const int MaxRpcMessageBytes = 4 * 1024 * 1024;

    /// <summary>How long a join connection may sit idle.</summary>
    public static readonly TimeSpan JoinIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a call to the manager may take before the caller gives up.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    /// <summary>At most one log entry per interval for each kind of refused connection (the others are counted).</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between two attempts to reach the manager.</summary>
    public static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);
}
