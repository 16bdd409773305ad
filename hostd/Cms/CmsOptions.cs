namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Configuration of the CMS (section <c>Cms</c> of the hostd configuration).
/// </summary>
public sealed class CmsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Cms";

    /// <summary>Default TCP listen address.</summary>
    public const string DefaultListen = "127.0.0.1:7070";

    /// <summary>Default bound on how long a <c>cms.wait</c> call is held.</summary>
    public const int DefaultMaxWaitMs = 120_000;

    /// <summary>Default cap on TCP connections: a deployment's guests each keep one while they register, report and wait.</summary>
    public const int DefaultMaxConnections = 2048;

    /// <summary>Default time a request may take to arrive, from connect or from its first byte to its last.</summary>
    public const int DefaultFrameTimeoutMs = 10_000;

    /// <summary>Default time a TCP connection may sit with no request in progress (a long-poll is not idle).</summary>
    public const int DefaultIdleTimeoutMs = 120_000;

    /// <summary>Whether hostd runs the CMS at all (it is optional: one host per deployment runs it).</summary>
    public bool Enabled { get; set; }

    /// <summary>TCP <c>address:port</c> guests and remote operators connect to; port 0 picks a free port.</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>
    /// <c>host:port</c> written on clones' metadata discs as the CMS to register with, when guests reach the CMS at
    /// another address than <see cref="Listen"/> (a NAT, a forwarded port, a DNS name). Null: <see cref="Listen"/>
    /// itself, which must then be an address guests can reach (not loopback, not 0.0.0.0).
    /// </summary>
    public string? GuestEndpoint { get; set; }

    /// <summary>Optional unix socket for local administration (created with mode 0660).</summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>
    /// Group whose members may administer the CMS on <see cref="UnixSocketPath"/> without the admin token (checked with
    /// SO_PEERCRED); root and hostd's own user always may. Null: nobody else.
    /// </summary>
    public string? AdminGroup { get; set; }

    /// <summary>The SQLite database holding deployments, registrations, roles and reports.</summary>
    public string DatabasePath { get; set; } = "/var/lib/jumpstart/cms/cms.db";

    /// <summary>
    /// Where the CMS keeps its state: <c>sqlite</c> (<see cref="DatabasePath"/>, one CMS) or <c>etcd://HOST:PORT,...</c>
    /// (an etcd cluster, under <see cref="StorePrefix"/> <c>cms/</c>: the CMS of every manager shares it, so a clone may
    /// register with any of them). Null (the default): follow the cluster, i.e. the cluster's etcd (its endpoints,
    /// <c>Cluster:StorePrefix</c> and TLS files) while this host is a manager of a cluster on etcd, SQLite otherwise; a host
    /// that becomes such a manager while it runs (<c>cluster init --store</c>, <c>migrate-store</c>, <c>add-manager</c>)
    /// moves its CMS there at once.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>The cluster's key prefix in etcd (as <c>Cluster:StorePrefix</c>).</summary>
    public string StorePrefix { get; set; } = "/jumpstart/default/";

    /// <summary>The CA of the etcd members' certificates (PEM); null: the cluster CA (<c>ca.crt</c> in <see cref="ClusterDirectory"/>).</summary>
    public string? EtcdCaFile { get; set; }

    /// <summary>The client certificate presented to etcd (PEM); null: <c>host.crt</c> in <see cref="ClusterDirectory"/>.</summary>
    public string? EtcdCertificateFile { get; set; }

    /// <summary>The key of <see cref="EtcdCertificateFile"/> (PEM); null: <c>host.key</c> in <see cref="ClusterDirectory"/>.</summary>
    public string? EtcdKeyFile { get; set; }

    /// <summary>The cluster directory the default etcd TLS files are read from.</summary>
    public string ClusterDirectory { get; set; } = "/var/lib/jumpstart/cluster";

    /// <summary>File holding the admin token; generated (mode 0600) on first start if absent.</summary>
    public string AdminTokenFile { get; set; } = "/var/lib/jumpstart/cms/admin.token";

    /// <summary>Server-side bound on a <c>cms.wait</c> call's timeout, whatever the caller asks for.</summary>
    public int MaxWaitMs { get; set; } = DefaultMaxWaitMs;

    /// <summary>
    /// Most TCP connections served at once; more are closed at accept. Lowered at start when the process's descriptor
    /// limit (RLIMIT_NOFILE, the unit's LimitNOFILE=) cannot hold that many; the start-up log says the cap in force.
    /// </summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>
    /// A TCP peer must deliver its first request within this of connecting, and each request within this of its first
    /// byte (a header or body sent slowly is cut off).
    /// </summary>
    public int FrameTimeoutMs { get; set; } = DefaultFrameTimeoutMs;

    /// <summary>A TCP connection with nothing in progress for this long is closed (guests reconnect when they next call).</summary>
    public int IdleTimeoutMs { get; set; } = DefaultIdleTimeoutMs;

    /// <summary>A copy of these options on the etcd store <paramref name="store"/> with the cluster's prefix and TLS files.</summary>
    internal CmsOptions OnClusterStore(string store, string prefix, Cluster.Etcd.EtcdTls tls)
    {
        var copy = (CmsOptions)MemberwiseClone();
        copy.Store = store;
        copy.StorePrefix = prefix;
        copy.EtcdCaFile = tls.CaCertificate;
        copy.EtcdCertificateFile = tls.ClientCertificate;
        copy.EtcdKeyFile = tls.ClientKey;
        return copy;
    }
}
