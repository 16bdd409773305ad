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

        if (!instance.IsRegistered)
        {
            var queue = _registrationQueues.GetOrAdd(deployment.DeploymentId, _ => new RegistrationQueue(ProcessRegistrationsAsync, _store.MaxRegistrationBatch));
            await queue.EnqueueAsync(new PendingRegistration(deployment, request), cancellationToken);
            instance = instance with { Hostname = request.Hostname, Addresses = request.Addresses };
        }

        if (instance.Hostname != request.Hostname || !instance.Addresses.SequenceEqual(request.Addresses, StringComparer.Ordinal))
        {
            await _store.UpdateIdentityAsync(deployment.DeploymentId, instance.InstanceId, request.Hostname, request.Addresses, cancellationToken);
        }

        _signals.Notify(deployment.DeploymentId);
        var (self, master, expected) = (await _views.GetAsync(deployment.DeploymentId, cancellationToken)).ForAssignment(instance.InstanceId);
        if (self is not { IsRegistered: true })
        {
            CmsException.ThrowUnknownDeployment(deployment.DeploymentId);
        }

        return Resolve(deployment, expected, master, self);
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
        Metrics.HostdMetrics.CmsReported(request.Phase, updated.RegisteredAt, updated.UpdatedAt);
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

    /// <summary>
    /// Decides and stores one batch of first registrations of a deployment (see <see cref="RegistrationQueue"/>).
    /// Each decision sees the ones before it; a refused registration (e.g. PolicyFailed) stores nothing
    /// and does not affect the others. The decisions are made on the deployment's view; on a shared store (etcd) they are
    /// stored only if no other CMS registered after the version the view is complete up to, and otherwise made again on
    /// what that CMS stored, which the refusal brings along (the first batch's refusal brings the whole waiting list).
    /// </summary>
    private async Task ProcessRegistrationsAsync(IReadOnlyList<PendingRegistration> batch)
    {
        var deployment = batch[0].Deployment;
        var view = await _views.GetAsync(deployment.DeploymentId, _stopping.Token);
        var pendingList = batch;
        for (var attempt = 0; ; attempt++)
        {
            var (registrations, accepted) = await DecideAsync(deployment, [.. view.Snapshot()], pendingList);
            if (registrations.Count > 0)
            {
                var outcome = await _store.RegisterAsync(deployment.DeploymentId, registrations, view.RegistrationVersion, _stopping.Token);
                if (outcome.DeploymentGone)
                {
                    foreach (var pending in accepted)
                    {
                        pending.Fail(new CmsException(CmsErrorCodes.UnknownDeployment, $"deployment '{deployment.DeploymentId}' changed"));
                    }

                    return;
                }

                foreach (var row in outcome.Changed)
                {
                    view.Apply(row);
                }

                view.RegistrationVersion = outcome.Version;
                if (outcome.Stored is null)
                {
                    // Another CMS registered in between (or this is the first batch): decide again on what it stored.
                    if (attempt + 1 >= Cluster.Etcd.EtcdClusterStore.MaxAttempts)
                    {
                        throw new CmsException(CmsErrorCodes.StoreUnavailable, "registrations kept changing under this CMS; register again");
                    }

                    pendingList = accepted;
                    if (attempt > 0)
                    {
                        // Refused twice in a row: two CMS racing; a little jitter lets one of them through.
                        await Task.Delay(Random.Shared.Next(1, 5 + attempt), _stopping.Token);
                    }

                    continue;
                }

                foreach (var registration in registrations)
                {
                    CmsLog.Registered(_logger, deployment.DeploymentId, registration.InstanceId, registration.Role);
                    Metrics.HostdMetrics.CmsRegistered(registration.InstanceId, registration.Role);
                }
            }

            foreach (var pending in accepted)
            {
                pending.Complete();
            }

            return;
        }
    }

    /// <summary>Runs the policy for each pending registration in order; refused ones are failed at once.</summary>
    private async Task<(List<Registration> Registrations, List<PendingRegistration> Accepted)> DecideAsync(
        DeploymentRecord deployment,
        List<InstanceRecord> instances,
        IReadOnlyList<PendingRegistration> batch)
    {
        var positions = instances.Select((instance, index) => (instance.InstanceId, index)).ToDictionary(p => p.InstanceId, p => p.index, StringComparer.Ordinal);
        var nextArrival = instances.Count == 0 ? 1 : instances.Max(i => i.Arrival ?? 0) + 1;
        var policy = RolePolicies.Create(deployment.Policy, _logger);
        var accepted = new List<PendingRegistration>();
        var registrations = new List<Registration>();
        foreach (var pending in batch)
        {
            var request = pending.Request;
            if (!positions.TryGetValue(request.InstanceId, out var position))
            {
                pending.Fail(new CmsException(CmsErrorCodes.UnknownDeployment, $"deployment '{deployment.DeploymentId}' changed"));
                continue;
            }

            var current = instances[position];
            if (current.IsRegistered)
            {
                // Registered earlier (maybe earlier in this batch, or by another CMS): the caller reads the stored role.
                accepted.Add(pending);
                continue;
            }

            var candidate = current with { Hostname = request.Hostname, Addresses = request.Addresses, Rank = current.Rank ?? request.Rank };
            PolicyDecision decision;
            try
            {
                instances[position] = candidate;
                decision = await policy.DecideAsync(new PolicyInput(deployment, candidate, instances), _stopping.Token);
            }
            catch (CmsException ex)
            {
                instances[position] = current;
                pending.Fail(ex);
                continue;
            }

            instances[position] = candidate with
            {
                Role = decision.Role,
                Variables = decision.Variables,
                Phase = InstancePhase.Registered,
                Arrival = nextArrival++,
            };
            registrations.Add(new Registration(current.InstanceId, request.Hostname, request.Addresses, request.Rank, decision.Role, decision.Variables, instances[position]));
            accepted.Add(pending);
        }

        return (registrations, accepted);
    }
}
