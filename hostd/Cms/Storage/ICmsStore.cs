using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>
/// Where the CMS keeps deployments, waiting lists, registrations, roles and reports: <see cref="CmsStore"/> (SQLite, one
/// CMS process) or <see cref="EtcdCmsStore"/> (etcd, shared by the CMS of every manager).
/// </summary>
internal interface ICmsStore : IDisposable
{
    /// <summary>True when other CMS processes write the same state (etcd): decisions must be made on a fresh read.</summary>
    bool Shared { get; }

    /// <summary>Most first registrations stored in one transaction.</summary>
    int MaxRegistrationBatch { get; }

    /// <summary>
    /// Called after each committed change of an instance row, with the row as committed: this process's own writes and,
    /// for a shared store, every other CMS's (seen through a watch). Rows carry <see cref="InstanceRecord.Revision"/> so
    /// an observer can drop one older than what it holds.
    /// </summary>
    Func<InstanceRecord, Task>? InstanceCommitted { get; set; }

    /// <summary>Called when a deployment was deleted (by any CMS of a shared store).</summary>
    Action<string>? DeploymentRemoved { get; set; }

    /// <summary>Stores a deployment and its whole waiting list.</summary>
    /// <returns>False when a deployment with that id already exists (nothing is changed).</returns>
    Task<bool> CreateDeploymentAsync(DeploymentSpec spec, CancellationToken cancellationToken);

    /// <summary>Deletes a deployment with its waiting list and every registration.</summary>
    Task<bool> DeleteDeploymentAsync(string deploymentId, CancellationToken cancellationToken);

    Task<DeploymentRecord?> GetDeploymentAsync(string deploymentId, CancellationToken cancellationToken);

    /// <summary>Every deployment with its progress counts, ordered by id.</summary>
    Task<IReadOnlyList<(DeploymentRecord Deployment, DeploymentCounts Counts)>> ListDeploymentsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records first registrations with the roles their policy chose, all in one transaction, provided no other first
    /// registration of the deployment was stored after version <paramref name="basedOn"/>, up to which the caller's view
    /// holds every registration (compare-and-swap; 0: the caller knows of none yet). Only an unregistered instance is
    /// changed, so a role once given never changes.
    /// </summary>
    /// <returns>
    /// The rows registered now; or, when another CMS registered in between, nothing stored and the rows changed since
    /// <paramref name="basedOn"/> (apply them and decide again).
    /// </returns>
    Task<RegistrationOutcome> RegisterAsync(string deploymentId, IReadOnlyList<Registration> registrations, long basedOn, CancellationToken cancellationToken);

    /// <summary>A registered instance registering again may have a new hostname or addresses; its role stays.</summary>
    Task<InstanceRecord?> UpdateIdentityAsync(string deploymentId, string instanceId, string hostname, IReadOnlyList<string> addresses, CancellationToken cancellationToken);

    /// <summary>Stores a reported phase for a registered instance.</summary>
    /// <returns>The updated row; null when the instance has not registered.</returns>
    Task<InstanceRecord?> ReportAsync(string deploymentId, string instanceId, string phase, string? detail, CancellationToken cancellationToken);

    Task<InstanceRecord?> HeartbeatAsync(string deploymentId, string instanceId, CancellationToken cancellationToken);

    Task<InstanceRecord?> GetInstanceAsync(string deploymentId, string instanceId, CancellationToken cancellationToken);

    /// <summary>The whole waiting list: registered instances in arrival order, then the ones still waiting by id.</summary>
    Task<IReadOnlyList<InstanceRecord>> GetInstancesAsync(string deploymentId, CancellationToken cancellationToken);
}
