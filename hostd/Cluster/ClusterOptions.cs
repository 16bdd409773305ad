namespace Jumpstart.Hostd.Cluster;

/// <summary>
/// The cluster's settings: section <c>Cluster</c> of /etc/jumpstart/hostd.json (jumpstart-hostd.json(5)). Whether this
/// host is a manager or a member is not configuration: <c>jumpstart cluster init</c> and <c>join</c> record it in the
/// cluster directory, which the next start reads.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Cluster";

    /// <summary>The cluster port's default.</summary>
    public const int DefaultPort = 7443;

    /// <summary>The cluster directory's name under the state directory.</summary>
    public const string DirectoryName = "cluster";

    /// <summary>Where the CA, this host's key and certificate, the revocation list and the manager's database live; default {StateDirectory}/cluster.</summary>
    public string? Directory { get; set; }

    /// <summary>The cluster port (mutual TLS 1.3), <c>address:port</c>; opened once this host is in a cluster.</summary>
    public string Listen { get; set; } = "0.0.0.0:7443";

    /// <summary>The address other hosts reach this one at; null: the address the manager sees it connect from.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>How often a host sends a heartbeat to the manager.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Heartbeats a host may miss in a row before the manager marks it down.</summary>
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>How long a connection to the cluster port may take to finish its TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most connections the cluster port holds open at once (handshakes included).</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>Most connections still in their TLS handshake at once, so unauthenticated clients cannot fill <see cref="MaxConnections"/>.</summary>
    public int MaxHandshakes { get; set; } = 32;

    /// <summary>
    /// Whether this host runs control-socket calls relayed by the cluster's manager (<c>jumpstart --host THIS ...</c>
    /// on any member). Calls are accepted from the manager's certificate only.
    /// </summary>
    public bool RemoteControl { get; set; } = true;

    /// <summary>Failed join attempts one address may make per <see cref="JoinFailureWindow"/>; then it is refused until the window ends.</summary>
    public int MaxJoinFailures { get; set; } = 5;

    /// <summary>Failed join attempts from all addresses together per <see cref="JoinFailureWindow"/>.</summary>
    public int MaxJoinFailuresTotal { get; set; } = 100;

    /// <summary>The window of <see cref="MaxJoinFailures"/> and <see cref="MaxJoinFailuresTotal"/>.</summary>
    public TimeSpan JoinFailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Size limit of this host's bundle cache ({StateDirectory}/bundle-cache), e.g. <c>64GiB</c>; least recently used bundles no VM uses are evicted to stay under it.</summary>
    public string BundleCacheSize { get; set; } = "64GiB";

    /// <summary>Chunk size of bundle transfers: the unit of verification, resume and chain forwarding.</summary>
    public string BundleChunkSize { get; set; } = "1MiB";

    /// <summary>Most hosts a unicast distribution sends to at once.</summary>
    public int ParallelStreams { get; set; } = 4;

    /// <summary>The link rate the manager assumes for a host until a distribution measured it (Mbit/s).</summary>
    public int AssumedLinkMbps { get; set; } = 1000;

    /// <summary>Whether the manager may pick multicast (uftp) for a distribution; every receiver then needs uftpd.</summary>
    public bool Multicast { get; set; } = true;

    /// <summary>The rate a multicast distribution sends at (uftp -R), Mbit/s.</summary>
    public int MulticastRateMbps { get; set; } = 1000;

    /// <summary>The multicast group of bundle distributions (the image service uses the same default group, port 1044).</summary>
    public string MulticastGroup { get; set; } = Vm.Bundles.Shipping.Multicast.MulticastShipOptions.DefaultGroup;

    /// <summary>The UDP port of bundle distributions by multicast.</summary>
    public int MulticastPort { get; set; } = Vm.Bundles.Shipping.Multicast.MulticastShipOptions.DefaultPort;

    /// <summary>The interface uftp and uftpd use (the cluster network's); null: the interface of the default route.</summary>
    public string? MulticastInterface { get; set; }

    /// <summary>Memory (MiB) every host keeps for itself: a deployment places VMs only in what its heartbeat says is available beyond this.</summary>
    public int HostMemoryReserveMiB { get; set; } = 1024;

    /// <summary>
    /// Where the manager keeps the cluster's state: <c>sqlite</c> (default; <c>manager.db</c> in the cluster directory, one
    /// manager) or <c>etcd://HOST:PORT,HOST:PORT,...</c> (an etcd v3 cluster over TLS; several managers, one leader).
    /// </summary>
    public string Store { get; set; } = Etcd.EtcdEndpoints.Sqlite;

    /// <summary>The key prefix of this cluster in etcd (several clusters may share one etcd).</summary>
    public string StorePrefix { get; set; } = "/jumpstart/default/";

    /// <summary>The CA that issued the etcd members' certificates (PEM); null: the cluster CA (<c>ca.crt</c>).</summary>
    public string? EtcdCaFile { get; set; }

    /// <summary>The client certificate hostd presents to etcd (PEM); null: this host's cluster certificate (<c>host.crt</c>).</summary>
    public string? EtcdCertificateFile { get; set; }

    /// <summary>The key of <see cref="EtcdCertificateFile"/> (PEM, PKCS#8); null: <c>host.key</c>.</summary>
    public string? EtcdKeyFile { get; set; }

    /// <summary>The TTL of the leader's etcd lease: a leader that cannot renew it within this time stops leading, and another manager takes over.</summary>
    public TimeSpan LeaderLeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The cluster directory after applying the default.</summary>
    public string EffectiveDirectory(string stateDirectory)
        => string.IsNullOrEmpty(Directory) ? Path.Combine(stateDirectory, DirectoryName) : Directory;

    /// <summary>How long a host may stay silent before the manager marks it down.</summary>
    public TimeSpan DownAfter => HeartbeatInterval * MissedHeartbeats;
}
