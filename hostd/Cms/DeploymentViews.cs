using System.Collections.Concurrent;
using Jumpstart.Hostd.Cms.Storage;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// The <see cref="DeploymentView"/> of each deployment, loaded from the store on first use. A write
/// applies its committed row after the commit; if a view is still loading then, the write waits for
/// the load and applies on top, so a view never misses a change.
/// </summary>
internal sealed class DeploymentViews(ICmsStore store)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<DeploymentView>>> _views = new(StringComparer.Ordinal);

    /// <summary>The deployment's view; throws UnknownDeployment when it has no instances (deleted or never created).</summary>
    public async Task<DeploymentView> GetAsync(string deploymentId, CancellationToken cancellationToken)
    {
        var lazy = _views.GetOrAdd(deploymentId, id => new Lazy<Task<DeploymentView>>(() => LoadAsync(id)));
        var view = await lazy.Value.WaitAsync(cancellationToken);
        if (view.Expected == 0)
        {
            _views.TryRemove(new KeyValuePair<string, Lazy<Task<DeploymentView>>>(deploymentId, lazy));
            CmsException.ThrowUnknownDeployment(deploymentId);
        }

        return view;
    }

    /// <summary>Applies a committed row to its deployment's view, if one is loaded (called by the store in commit order).</summary>
    public async Task ApplyAsync(InstanceRecord record)
    {
        if (_views.TryGetValue(record.DeploymentId, out var lazy))
        {
            (await lazy.Value).Apply(record);
        }
    }

    /// <summary>Forgets a deployment's view (deleted, or created anew under an id used before).</summary>
    public void Remove(string deploymentId) => _views.TryRemove(deploymentId, out _);

    private async Task<DeploymentView> LoadAsync(string deploymentId)
        => new(await store.GetInstancesAsync(deploymentId, CancellationToken.None));
}
