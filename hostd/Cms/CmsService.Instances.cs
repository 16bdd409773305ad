using Jumpstart.Hostd.Cms.Policies;
using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

public sealed partial class CmsService
{
    /// <summary>
    /// <c>cms.register</c>: the first call decides the role through the deployment's policy and
    /// stores it; later calls return the same role (with the identity updated and the master's
    /// address as currently known).
    /// </summary>
    public async Task<RoleAssignment> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
    {
        var (deployment, instance) = await AuthenticateAsync(request, cancellationToken);
        CmsValidation.RequireName(request.Hostname, "hostname", CmsLimits.MaxHostnameLength);
        ValidateAddresses(request.Addresses);

        var view = await _views.GetAsync(deployment.DeploymentId, cancellationToken);
        if (!instance.IsRegistered)
        {
            // One registration per deployment at a time: the policy must see every earlier assignment.
            using (await _registrationLocks.AcquireAsync(deployment.DeploymentId, cancellationToken))
            {
                var instances = view.Snapshot();
                var current = instances.FirstOrDefault(i => i.InstanceId == instance.InstanceId);
                if (current is null)
                {
                    CmsException.ThrowUnknownDeployment(deployment.DeploymentId);
                }

                if (!current.IsRegistered)
                {
                    await AssignRoleAsync(deployment, current, instances, request, cancellationToken);
                    instance = current with { Hostname = request.Hostname, Addresses = request.Addresses };
                }
            }
        }

        if (instance.Hostname != request.Hostname || !instance.Addresses.SequenceEqual(request.Addresses, StringComparer.Ordinal))
        {
            await _store.UpdateIdentityAsync(deployment.DeploymentId, instance.InstanceId, request.Hostname, request.Addresses, cancellationToken);
        }

        _signals.Notify(deployment.DeploymentId);
        var all = view.Snapshot();
        var self = all.FirstOrDefault(i => i.InstanceId == instance.InstanceId && i.IsRegistered);
        if (self is null)
        {
            CmsException.ThrowUnknownDeployment(deployment.DeploymentId);
        }

        return Resolve(deployment, all, self);
    }

    /// <summary><c>cms.report</c>: stores the instance's phase (configured, ready or failed) and wakes waiters.</summary>
    public async Task<PeerInfo> ReportAsync(ReportRequest request, CancellationToken cancellationToken)
    {
        var (deployment, instance) = await AuthenticateAsync(request, cancellationToken);
        if (request.Phase is not (InstancePhase.Configured or InstancePhase.Ready or InstancePhase.Failed))
        {
            CmsException.ThrowInvalidParams(
                $"phase must be '{InstancePhase.Configured}', '{InstancePhase.Ready}' or '{InstancePhase.Failed}'");
        }

        CmsValidation.RequireLength(request.Detail, CmsLimits.MaxDetailLength, "detail");
        var updated = await _store.ReportAsync(deployment.DeploymentId, instance.InstanceId, request.Phase, request.Detail, cancellationToken)
            ?? throw new CmsException(CmsErrorCodes.InvalidRequest, "register before reporting");
        CmsLog.Reported(_logger, deployment.DeploymentId, instance.InstanceId, request.Phase, request.Detail);
        _signals.Notify(deployment.DeploymentId);
        return updated.ToPeerInfo();
    }

    /// <summary><c>cms.peers</c>: the registered instances of the caller's deployment, optionally of one role.</summary>
    public async Task<IReadOnlyList<PeerInfo>> PeersAsync(PeersRequest request, CancellationToken cancellationToken)
    {
        var (deployment, _) = await AuthenticateAsync(request, cancellationToken);
        if (request.Role is not null)
        {
            CmsValidation.RequireName(request.Role, "role", CmsLimits.MaxRoleNameLength);
        }

        var view = await _views.GetAsync(deployment.DeploymentId, cancellationToken);
        return [.. view.Snapshot().Where(i => i.IsRegistered && (request.Role is null || i.Role == request.Role)).Select(i => i.ToPeerInfo())];
    }

    /// <summary><c>cms.heartbeat</c>: records that a registered instance is alive.</summary>
    public async Task<PeerInfo> HeartbeatAsync(HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var (deployment, instance) = await AuthenticateAsync(request, cancellationToken);
        var updated = await _store.HeartbeatAsync(deployment.DeploymentId, instance.InstanceId, cancellationToken)
            ?? throw new CmsException(CmsErrorCodes.InvalidRequest, "register before sending heartbeats");
        return updated.ToPeerInfo();
    }

    private async Task AssignRoleAsync(
        DeploymentRecord deployment,
        InstanceRecord current,
        IReadOnlyList<InstanceRecord> instances,
        RegisterRequest request,
        CancellationToken cancellationToken)
    {
        var candidate = current with { Hostname = request.Hostname, Addresses = request.Addresses, Rank = current.Rank ?? request.Rank };
        var input = new PolicyInput(deployment, candidate, [.. instances.Select(i => i.InstanceId == candidate.InstanceId ? candidate : i)]);
        var decision = await RolePolicies.Create(deployment.Policy, _logger).DecideAsync(input, cancellationToken);
        await _store.RegisterAsync(
            deployment.DeploymentId,
            current.InstanceId,
            request.Hostname,
            request.Addresses,
            request.Rank,
            decision.Role,
            decision.Variables,
            cancellationToken);
        CmsLog.Registered(_logger, deployment.DeploymentId, current.InstanceId, decision.Role);
    }
}
