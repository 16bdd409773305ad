using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>The roles: the CMS followed until every running instance is ready or failed, hosts that die meanwhile replaced; the report.</summary>
internal sealed partial class ClusterDeployer
{
    /// <summary>
    /// Reads the CMS until every instance that runs reported ready or failed, or the bound ran out. A host the manager
    /// marks down meanwhile has its instances that are not ready placed again (same identity: address, MAC, token), so a
    /// master whose host died comes back at the address its workers were given, and no worker waits for it forever.
    /// </summary>
    private async Task<DeploymentStatus?> WaitForRolesAsync(DeploymentRun run, LocalCms local, CancellationToken cancellationToken)
    {
        var deadline = run.StartedAt + TimeSpan.FromSeconds(_request.TimeoutSeconds);
        DeploymentStatus? status = null;
        string? said = null;
        using var timer = new PeriodicTimer(s_pollInterval);
        while (true)
        {
            status = await ReadCmsAsync(local, cancellationToken) ?? status;
            if (status is not null)
            {
                var peers = status.Instances.ToDictionary(p => p.InstanceId, StringComparer.Ordinal);
                foreach (var slot in _slots.Values.Where(s => s.State is PlacementStates.Running or PlacementStates.Ready or PlacementStates.Failed))
                {
                    if (peers.TryGetValue(slot.Name, out var peer))
                    {
                        slot.State = peer.Phase switch
                        {
                            InstancePhase.Ready => PlacementStates.Ready,
                            InstancePhase.Failed => PlacementStates.Failed,
                            _ => PlacementStates.Running,
                        };
                        slot.Detail = peer.Phase == InstancePhase.Failed ? peer.Detail : slot.Detail;
                    }
                }

                var line = $"{status.Registered}/{status.Expected} registered, {status.Ready} ready, {status.Failed} failed";
                if (line != said)
                {
                    Note("roles", line);
                    said = line;
                    await SaveAsync(ClusterDeploymentStates.Deploying, run.Bundle ?? ColdBootBundle, cancellationToken);
                }
            }

            if (!_slots.Values.Any(s => s.State is PlacementStates.Running or PlacementStates.Placed or PlacementStates.Moved))
            {
                return status;
            }

            if (time.GetUtcNow() >= deadline)
            {
                Note("timeout", $"{_slots.Values.Count(s => s.State != PlacementStates.Ready)} instance(s) without a role after {_request.TimeoutSeconds} s");
                return status;
            }

            if (await HostsLostAsync(cancellationToken))
            {
                await ResumeAllAsync(run, cancellationToken);
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>True when a host with instances that are not ready yet was marked down (its instances are then moved).</summary>
    private async Task<bool> HostsLostAsync(CancellationToken cancellationToken)
    {
        var waiting = _slots.Values.Where(s => s.State == PlacementStates.Running).Select(s => s.Host).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (waiting.Count == 0)
        {
            return false;
        }

        var records = await store.ListHostsAsync(cancellationToken);
        var lost = false;
        foreach (var host in waiting.Select(h => _hosts[h]).Where(h => h.Error is null))
        {
            if (records.FirstOrDefault(r => HostNames.Same(r.Name, host.Host)) is not { State: HostStates.Up })
            {
                foreach (var slot in _slots.Values.Where(s => HostNames.Same(s.Host, host.Host) && s.State == PlacementStates.Ready))
                {
                    // Ready before its host died: it ran its role, but it is gone now; placed again like the others.
                    slot.State = PlacementStates.Running;
                }

                Drop(host, "the manager marked it down while its clones configured");
                lost = true;
            }
        }

        return lost;
    }

    private async Task<DeploymentStatus?> ReadCmsAsync(LocalCms local, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await CmsAdminClient.ConnectAsync(local.EndPoint, local.AdminToken(), cancellationToken);
            return await client.GetAsync(_request.DeploymentId, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or StreamJsonRpc.RemoteRpcException)
        {
            // The CMS runs in this process; a failed read is retried at the next tick.
            return null;
        }
    }

    /// <summary>The report: per host and over all clones, the stages of each (state distribution to CMS role), what is missing or failed.</summary>
    private ClusterDeployReport Report(DeploymentRun run, double? templateSeconds, Shared.Cluster.DistributeResult? distribution, DeploymentImagesResult? imagesResult, DeploymentStatus? status)
    {
        var peers = status?.Instances.ToDictionary(p => p.InstanceId, StringComparer.Ordinal) ?? [];
        var timelines = _slots.Values
            .Where(s => s.Result is not null)
            .OrderBy(s => s.Number)
            .Select(s =>
            {
                var timeline = CloneTimeline.From(run.StartedAt, s.Result!) with { DispatchedAt = s.DispatchedAt };
                return new ClusterCloneTimeline { Host = s.Host, Timeline = peers.TryGetValue(s.Name, out var peer) ? timeline.WithCms(peer) : timeline };
            })
            .ToList();
        var hosts = _hosts.Values
            .Where(h => h.Error is not null || _slots.Values.Any(s => HostNames.Same(s.Host, h.Host) || s.MovedFrom.Contains(h.Host, StringComparer.OrdinalIgnoreCase)))
            .OrderBy(h => h.Host, StringComparer.Ordinal)
            .Select(h =>
            {
                var own = timelines.Where(t => HostNames.Same(t.Host, h.Host)).Select(t => t.Timeline).ToList();
                return new ClusterHostShare
                {
                    Host = h.Host,
                    Instances = [.. _slots.Values.Where(s => HostNames.Same(s.Host, h.Host) && s.State != PlacementStates.Missing).OrderBy(s => s.Number).Select(s => s.Name)],
                    DistributionSeconds = h.DistributionSeconds,
                    ResumeSeconds = h.ResumeSeconds,
                    Breakdown = own.Count > 0 ? DeployBreakdown.From(run.StartedAt, own) : null,
                    Error = h.Error,
                };
            })
            .ToList();
        var instances = _slots.Values.OrderBy(s => s.Number).Select(s =>
        {
            peers.TryGetValue(s.Name, out var peer);
            var planned = run.Planned.TryGetValue(s.Number, out var p) ? p.Metadata.Interfaces.FirstOrDefault() : null;
            return new ClusterInstanceInfo
            {
                InstanceId = s.Name,
                Host = s.Host,
                State = s.State,
                Address = planned?.Addresses.FirstOrDefault(),
                Mac = planned?.Mac,
                Role = peer?.Role,
                Phase = peer?.Phase,
                Detail = s.State is PlacementStates.Ready or PlacementStates.Running ? null : s.Detail ?? peer?.Detail,
                MovedFrom = [.. s.MovedFrom],
            };
        }).ToList();
        var missing = instances.Where(i => i.State == PlacementStates.Missing).Select(i => i.InstanceId).ToList();
        var failed = instances.Where(i => i.State == PlacementStates.Failed).Select(i => i.InstanceId).ToList();
        var breakdown = timelines.Count > 0 ? DeployBreakdown.From(run.StartedAt, [.. timelines.Select(t => t.Timeline)]) : null;
        var complete = instances.All(i => i.State == PlacementStates.Ready);
        return new ClusterDeployReport
        {
            DeploymentId = _request.DeploymentId,
            State = complete ? ClusterDeploymentStates.Complete : ClusterDeploymentStates.Incomplete,
            Bundle = run.Bundle ?? ColdBootBundle,
            MemoryFormat = _request.Cold ? "cold-boot" : _memoryFormat,
            Placement = _request.Placement,
            RequestedAt = run.StartedAt,
            TemplateSeconds = templateSeconds,
            Distribution = distribution,
            Images = imagesResult,
            Hosts = hosts,
            Instances = instances,
            Timelines = timelines,
            Breakdown = breakdown,
            Cms = status,
            AllRunningSeconds = breakdown?.AllRunningSeconds,
            AllRolesSeconds = complete ? breakdown?.AllReadySeconds : null,
            Missing = missing,
            Failed = failed,
            Message = complete ? null : Describe(missing, failed, instances),
        };
    }

    private static string Describe(IReadOnlyList<string> missing, IReadOnlyList<string> failed, IReadOnlyList<ClusterInstanceInfo> instances)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing (no host could run them): {string.Join(", ", missing)}");
        }

        if (failed.Count > 0)
        {
            parts.Add($"failed to configure: {string.Join(", ", failed)}");
        }

        var waiting = instances.Where(i => i.State is PlacementStates.Running or PlacementStates.Placed).Select(i => i.InstanceId).ToList();
        if (waiting.Count > 0)
        {
            parts.Add($"no role within the timeout: {string.Join(", ", waiting)}");
        }

        return string.Join("; ", parts);
    }
}
