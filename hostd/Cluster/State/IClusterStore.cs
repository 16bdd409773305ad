using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.State;

/// <summary>
/// The manager's state: hosts, join tokens, revocations, deployments, placements and which host holds which bundle.
/// <see cref="SqliteClusterStore"/> keeps it in one SQLite file for a single manager; a store on etcd (several managers
/// with one elected leader) implements the same interface, and no caller changes.
/// </summary>
/// <remarks>
/// What an implementation promises, so that callers never depend on SQL:
/// <list type="bullet">
/// <item>Every method is atomic and durable when it returns (SQLite: one IMMEDIATE transaction, synchronous=FULL; etcd:
/// one Txn). A method that decides (<see cref="AdmitHostAsync"/>, <see cref="RecordHeartbeatAsync"/>,
/// <see cref="RemoveHostAsync"/>, <see cref="AddTokenAsync"/>) reads and writes in the same atomic step (etcd: a Txn whose
/// compares are the reads), so two managers cannot both spend a token's last use.</item>
/// <item>Times are stored to the millisecond; names are lower case; serials upper-case hex.</item>
/// <item>Failures are <see cref="ClusterStoreException"/>; a missing record is null or false, never an exception.</item>
/// </list>
/// </remarks>
public interface IClusterStore : IDisposable
{
    // ---- hosts

    /// <summary>Every host, removed ones included, by name.</summary>
    Task<IReadOnlyList<ClusterHostRecord>> ListHostsAsync(CancellationToken cancellationToken);

    Task<ClusterHostRecord?> GetHostAsync(string name, CancellationToken cancellationToken);

    /// <summary>Adds or replaces a host without a token: the manager itself, at init.</summary>
    Task PutHostAsync(ClusterHostRecord host, CancellationToken cancellationToken);

    /// <summary>
    /// In one step: checks the token (<paramref name="tokenId"/>, whose whole token hashes to <paramref name="digest"/>)
    /// is known, unexpired at <paramref name="now"/> and not used up; checks no member holds <paramref name="host"/>'s
    /// name (a removed one is replaced); counts one use and adds the host. Any other verdict changes nothing.
    /// </summary>
    Task<AdmitVerdict> AdmitHostAsync(string tokenId, byte[] digest, ClusterHostRecord host, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat: the capacity, the time, the state up (saying whether it was down).</summary>
    Task<HeartbeatOutcome> RecordHeartbeatAsync(string name, HostCapacity capacity, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Marks down every host that is up and whose last heartbeat is older than <paramref name="silentSince"/>; returns their names.</summary>
    Task<IReadOnlyList<string>> MarkDownAsync(DateTimeOffset silentSince, CancellationToken cancellationToken);

    /// <summary>
    /// In one step: marks the host removed, adds its certificate to the revocations and numbers a new list. Returns the
    /// new revocation state, or null when no such host is a member (unknown or removed already).
    /// </summary>
    Task<RevocationState?> RemoveHostAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every revocation and the current list number.</summary>
    Task<RevocationState> GetRevocationsAsync(CancellationToken cancellationToken);

    // ---- join tokens

    /// <summary>Forgets expired tokens and adds <paramref name="token"/>; false when <see cref="ClusterLimits.MaxTokens"/> unexpired ones exist.</summary>
    Task<bool> AddTokenAsync(JoinTokenRecord token, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The tokens, expired ones included until the next <see cref="AddTokenAsync"/>.</summary>
    Task<IReadOnlyList<JoinTokenRecord>> ListTokensAsync(CancellationToken cancellationToken);

    // ---- deployments and placements

    /// <summary>Adds or replaces a deployment.</summary>
    Task PutDeploymentAsync(ClusterDeploymentRecord deployment, CancellationToken cancellationToken);

    Task<ClusterDeploymentRecord?> GetDeploymentAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<ClusterDeploymentRecord>> ListDeploymentsAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a deployment and its placements; false when there was none.</summary>
    Task<bool> DeleteDeploymentAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces a deployment's placements (the deployment must exist).</summary>
    Task SetPlacementsAsync(string deploymentId, IReadOnlyList<PlacementRecord> placements, CancellationToken cancellationToken);

    Task<IReadOnlyList<PlacementRecord>> ListPlacementsAsync(string deploymentId, CancellationToken cancellationToken);

    // ---- bundle holdings

    /// <summary>Replaces the set of bundles <paramref name="host"/> holds (a bundle kept keeps its first time).</summary>
    Task SetHoldingsAsync(string host, IReadOnlyCollection<string> bundles, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The hosts that hold <paramref name="bundle"/>.</summary>
    Task<IReadOnlyList<BundleHoldingRecord>> ListHoldersAsync(string bundle, CancellationToken cancellationToken);

    /// <summary>The bundles <paramref name="host"/> holds.</summary>
    Task<IReadOnlyList<BundleHoldingRecord>> ListHoldingsAsync(string host, CancellationToken cancellationToken);
}
