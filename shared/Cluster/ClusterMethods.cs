namespace Jumpstart.Shared.Cluster;

/// <summary>
/// JSON-RPC methods of the cluster: the control-socket methods the <c>jumpstart cluster</c> commands call on the local
/// hostd, and the methods hosts and the manager call on each other over the cluster's mutual-TLS port
/// (hostd/Cluster/README.md).
/// </summary>
public static class ClusterMethods
{
    // ---- control socket (CLI -> local hostd)

    /// <summary>Creates the cluster on this host and makes it the manager: -> <see cref="ClusterInitResult"/>.</summary>
    public const string Init = "cluster.init";

    /// <summary>Creates a join token (manager only): <see cref="TokenCreateRequest"/> -> <see cref="TokenCreateResult"/>.</summary>
    public const string TokenCreate = "cluster.token.create";

    /// <summary>Lists the join tokens without their secrets (manager only): -> <see cref="TokenInfo"/>[].</summary>
    public const string TokenList = "cluster.token.list";

    /// <summary>Joins a cluster: <see cref="ClusterJoinRequest"/> -> <see cref="ClusterJoinResult"/>.</summary>
    public const string Join = "cluster.join";

    /// <summary>Every host the manager knows: -> <see cref="ClusterHostInfo"/>[] (a member asks its manager).</summary>
    public const string Hosts = "cluster.hosts";

    /// <summary>Removes a host and revokes its certificate (manager only): <see cref="ClusterRemoveRequest"/> -> <see cref="ClusterRemoveResult"/>.</summary>
    public const string Remove = "cluster.remove";

    /// <summary>
    /// Copies the manager's state from its SQLite store to an etcd store and switches to it (manager only):
    /// <see cref="ClusterMigrateStoreRequest"/> -> <see cref="ClusterMigrateStoreResult"/>.
    /// </summary>
    public const string MigrateStore = "cluster.migrate-store";

    /// <summary>
    /// Makes a member a second (third, ...) manager of an etcd-backed cluster (manager only):
    /// <see cref="ClusterAddManagerRequest"/> -> <see cref="ClusterAddManagerResult"/>.
    /// </summary>
    public const string AddManager = "cluster.add-manager";

    /// <summary>This host's part in the cluster: -> <see cref="ClusterStatus"/>.</summary>
    public const string Status = "cluster.status";

    /// <summary>A deployment over the cluster's hosts (run by the manager; a member passes it on).</summary>
    public const string Deploy = "cluster.deploy";

    /// <summary>One cluster deployment: its record, placements and last report.</summary>
    public const string DeploymentShow = "cluster.deployment.show";

    /// <summary>Every cluster deployment the manager knows.</summary>
    public const string DeploymentList = "cluster.deployment.list";

    /// <summary>Stops a cluster deployment's VMs on every host and forgets it.</summary>
    public const string DeploymentRemove = "cluster.deployment.remove";

    /// <summary>Sends a bundle this host holds to other hosts of the cluster.</summary>
    public const string BundleDistribute = "bundle.distribute";

    // ---- cluster port, ALPN jumpstart-join/1 (a host that has no certificate yet -> manager)

    /// <summary>The cluster's CA certificate, which the joiner checks against its pinned hash: -> <see cref="JoinCaResult"/>.</summary>
    public const string JoinCa = "join.ca";

    /// <summary>Presents a token and a certificate signing request: <see cref="JoinSigningRequest"/> -> <see cref="JoinGrant"/>.</summary>
    public const string JoinRequest = "join.request";

    // ---- cluster port, ALPN jumpstart-rpc/1 (mutual TLS)

    /// <summary>A host's first call on a new connection to the manager: <see cref="HostHello"/> -> <see cref="HelloResult"/>.</summary>
    public const string ManagerHello = "manager.hello";

    /// <summary>A host's periodic heartbeat with its capacity: <see cref="HostHeartbeat"/> -> <see cref="HeartbeatResult"/>.</summary>
    public const string ManagerHeartbeat = "manager.heartbeat";

    /// <summary>The current revocation list: -> <see cref="RevocationListMessage"/>.</summary>
    public const string ManagerRevocations = "manager.revocations";

    /// <summary>Every host the manager knows: -> <see cref="ClusterHostInfo"/>[].</summary>
    public const string ManagerHosts = "manager.hosts";

    /// <summary>Manager -> host notification: a new revocation list (<see cref="RevocationListMessage"/>).</summary>
    public const string HostRevocations = "host.revocations";

    /// <summary>Manager -> member request: become a manager (<see cref="PromoteMessage"/>); answered before the role changes.</summary>
    public const string HostPromote = "host.promote";

    /// <summary>A source asks the manager which transport to use and which hosts need a bundle.</summary>
    public const string ManagerDistributionPlan = "manager.distribution.plan";

    /// <summary>A source tells the manager what a distribution achieved.</summary>
    public const string ManagerDistributionRecord = "manager.distribution.record";
}
