using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

public sealed partial class CmsService
{
    /// <summary>
    /// <c>cms.wait</c>: answers as soon as at least <c>minCount</c> instances (of <c>role</c>, if
    /// given) have reached <c>phase</c>, or unsatisfied when the timeout (bounded by the server's
    /// maximum) passes. The condition is re-evaluated only when the deployment changes.
    /// </summary>
    public async Task<WaitResult> WaitAsync(WaitRequest request, CancellationToken cancellationToken)
    {
        var (deployment, instance) = await AuthenticateAsync(request, cancellationToken);
        if (request.ForAssignment)
        {
            return await WaitForAssignmentAsync(deployment, instance.InstanceId, request.TimeoutMs, cancellationToken);
        }

        var phase = request.Phase ?? InstancePhase.Registered;
        if (PhaseOrder(phase) < 0)
        {
            CmsException.ThrowInvalidParams(
                $"phase must be '{InstancePhase.Registered}', '{InstancePhase.Configured}', '{InstancePhase.Ready}' or '{InstancePhase.Failed}'");
        }

        if (request.Role is not null)
        {
            CmsValidation.RequireName(request.Role, "role", CmsLimits.MaxRoleNameLength);
        }

        if (request.MinCount is < 0 or > CmsLimits.MaxInstancesPerDeployment || request.TimeoutMs < 0)
        {
            CmsException.ThrowInvalidParams("minCount and timeoutMs must not be negative");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(Math.Min(request.TimeoutMs, _maxWaitMs));
        while (true)
        {
            // Taken before evaluating: a change committed after the count below still wakes us.
            var changed = _signals.Changed(deployment.DeploymentId);
            var view = await _views.GetAsync(deployment.DeploymentId, cancellationToken);
            var needed = request.MinCount ?? (request.Role is null ? view.Expected : 1);
            var satisfied = view.Count(request.Role, p => Reached(p, phase)) >= needed;
            if (!satisfied)
            {
                try
                {
                    await changed.WaitAsync(timeout.Token);
                    continue;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
                {
                    // Timed out: answer with what matches now.
                }
            }

            var matching = view.Snapshot()
                .Where(i => i.IsRegistered && (request.Role is null || i.Role == request.Role) && Reached(i.Phase, phase))
                .Select(i => i.ToPeerInfo());
            return new WaitResult { Satisfied = satisfied, Matching = [.. matching] };
        }
    }

    /// <summary>
    /// <c>cms.wait</c> with <c>forAssignment</c>: answers with the caller's assignment as soon as it
    /// is complete (no longer <see cref="RoleAssignment.Pending"/>), or with the pending one,
    /// unsatisfied, when the timeout (bounded by the server's maximum) passes.
    /// </summary>
    private async Task<WaitResult> WaitForAssignmentAsync(DeploymentRecord deployment, string instanceId, int timeoutMs, CancellationToken cancellationToken)
    {
        if (timeoutMs < 0)
        {
            CmsException.ThrowInvalidParams("timeoutMs must not be negative");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(Math.Min(timeoutMs, _maxWaitMs));
        while (true)
        {
            // Taken before evaluating: a change committed after the resolution below still wakes us.
            var changed = _signals.Changed(deployment.DeploymentId);
            var (self, master, expected) = (await _views.GetAsync(deployment.DeploymentId, cancellationToken)).ForAssignment(instanceId);
            if (self is not { IsRegistered: true })
            {
                throw new CmsException(CmsErrorCodes.InvalidRequest, "register before waiting for the assignment");
            }

            var assignment = Resolve(deployment, expected, master, self);
            if (!assignment.Pending)
            {
                return new WaitResult { Satisfied = true, Assignment = assignment };
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                return new WaitResult { Satisfied = false, Assignment = assignment };
            }
        }
    }

    /// <summary>
    /// registered &lt; configured &lt; ready; <c>failed</c> is off that line and only matches a wait for failed.
    /// </summary>
    private static bool Reached(string instancePhase, string wanted)
        => wanted == InstancePhase.Failed
            ? instancePhase == InstancePhase.Failed
            : instancePhase != InstancePhase.Failed && PhaseOrder(instancePhase) >= PhaseOrder(wanted);

    private static int PhaseOrder(string phase) => phase switch
    {
        InstancePhase.Registered => 1,
        InstancePhase.Configured => 2,
        InstancePhase.Ready => 3,
        InstancePhase.Failed => 4,
        _ => -1,
    };
}
