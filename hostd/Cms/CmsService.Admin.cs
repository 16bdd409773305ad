using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

public sealed partial class CmsService
{
    /// <summary><c>cms.createDeployment</c>: stores a deployment and its waiting list.</summary>
    public async Task<DeploymentStatus> CreateDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        RequireAdmin(request);
        var spec = request.Deployment;
        DeploymentSpecValidator.Validate(spec);
        if (!await _store.CreateDeploymentAsync(spec!, cancellationToken))
        {
            throw new CmsException(CmsErrorCodes.DeploymentExists, $"deployment '{spec!.DeploymentId}' already exists");
        }

        _views.Remove(spec!.DeploymentId);
        CmsLog.DeploymentCreated(_logger, spec.DeploymentId, spec.Instances.Count, spec.Policy.Kind);
        _signals.Notify(spec.DeploymentId);
        return await GetStatusAsync(spec.DeploymentId, cancellationToken);
    }

    /// <summary><c>cms.getDeployment</c>: a deployment with every instance of its waiting list.</summary>
    public async Task<DeploymentStatus> GetDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        RequireAdmin(request);
        CmsValidation.RequireName(request.DeploymentId, "deploymentId");
        return await GetStatusAsync(request.DeploymentId!, cancellationToken);
    }

    /// <summary><c>cms.listDeployments</c>: every deployment with its counts (no instance list).</summary>
    public async Task<IReadOnlyList<DeploymentStatus>> ListDeploymentsAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        RequireAdmin(request);
        var list = await _store.ListDeploymentsAsync(cancellationToken);
        return [.. list.Select(d => Status(d.Deployment, d.Counts, []))];
    }

    /// <summary><c>cms.deleteDeployment</c>: forgets a deployment; its pending waits end with UnknownDeployment.</summary>
    public async Task<bool> DeleteDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        RequireAdmin(request);
        CmsValidation.RequireName(request.DeploymentId, "deploymentId");
        if (!await _store.DeleteDeploymentAsync(request.DeploymentId!, cancellationToken))
        {
            CmsException.ThrowUnknownDeployment(request.DeploymentId!);
        }

        _views.Remove(request.DeploymentId!);
        CmsLog.DeploymentDeleted(_logger, request.DeploymentId!);
        _signals.Notify(request.DeploymentId!);
        return true;
    }

    private async Task<DeploymentStatus> GetStatusAsync(string deploymentId, CancellationToken cancellationToken)
    {
        var deployment = await _store.GetDeploymentAsync(deploymentId, cancellationToken);
        if (deployment is null)
        {
            CmsException.ThrowUnknownDeployment(deploymentId);
        }

        var instances = await _store.GetInstancesAsync(deploymentId, cancellationToken);
        var counts = new DeploymentCounts(
            instances.Count,
            instances.Count(i => i.IsRegistered),
            instances.Count(i => i.Phase == InstancePhase.Ready),
            instances.Count(i => i.Phase == InstancePhase.Failed));
        return Status(deployment, counts, [.. instances.Select(i => i.ToPeerInfo())]);
    }

    private static DeploymentStatus Status(DeploymentRecord deployment, DeploymentCounts counts, IReadOnlyList<PeerInfo> instances) => new()
    {
        DeploymentId = deployment.DeploymentId,
        PolicyKind = deployment.Policy.Kind,
        Expected = counts.Expected,
        Registered = counts.Registered,
        Ready = counts.Ready,
        Failed = counts.Failed,
        Instances = instances,
    };
}
