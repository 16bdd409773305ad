using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// Follows a deployment on the CMS until every instance reported ready (or one failed, or the bound
/// ran out), telling the caller each time the counts change so the CLI can show progress.
/// </summary>
public static class CmsRoleWatcher
{
    /// <summary>How often the deployment is read; small next to a guest's configuration time.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls until done; returns the last status read (check <see cref="IsComplete"/>).</summary>
    /// <param name="client">An admin connection to the CMS.</param>
    /// <param name="deploymentId">The deployment to follow.</param>
    /// <param name="timeout">Bound on the whole wait.</param>
    /// <param name="progress">Called with each status whose registered/ready/failed counts changed.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static async Task<DeploymentStatus> WaitAsync(
        CmsAdminClient client,
        string deploymentId,
        TimeSpan timeout,
        Action<DeploymentStatus>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        DeploymentStatus? last = null;
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do
            {
                var status = await client.GetAsync(deploymentId, bound.Token);
                if (last is null || last.Registered != status.Registered || last.Ready != status.Ready || last.Failed != status.Failed)
                {
                    progress?.Invoke(status);
                }

                last = status;
                if (IsComplete(status) || status.Failed > 0)
                {
                    return status;
                }
            }
            while (await timer.WaitForNextTickAsync(bound.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && last is not null)
        {
            // The bound ran out: the caller sees an incomplete status and says which instances are missing.
        }

        return last ?? throw new TimeoutException($"the CMS did not answer for deployment {deploymentId} within {timeout}");
    }

    /// <summary>True when every expected instance reported ready.</summary>
    public static bool IsComplete(DeploymentStatus status) => status.Expected > 0 && status.Ready == status.Expected;
}
