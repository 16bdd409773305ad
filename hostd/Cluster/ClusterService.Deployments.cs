using StreamJsonRpc;
using System.Text.Json;
using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Cluster deployments (issue 15), on the manager: run one, show, list, remove; and what a restart finds.</summary>
public sealed partial class ClusterService
{
    /// <summary>One deployment at a time: placement reads the memory the hosts had, which another run would be taking.</summary>
    private readonly SemaphoreSlim _deploying = new(1, 1);

    /// <summary>How often a new leader looks whether the hosts of a deployment it resumes are up again.</summary>
    private static readonly TimeSpan s_hostPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>The CMS this hostd runs, once its control server started (a new leader's resumed deployments use it).</summary>
    public Func<LocalCms?>? LocalCms { get; set; }

    /// <summary>Runs a deployment over the cluster (this host must be the manager).</summary>
    /// <param name="request">What to deploy.</param>
    /// <param name="cms">The CMS this hostd runs (the clones register with it); null when it runs none.</param>
    /// <param name="progress">Progress notes for the operator.</param>
    /// <param name="cancellationToken">Cancels the run; the record is then marked interrupted.</param>
    /// <exception cref="ClusterNotManagerException">This host is not the manager.</exception>
    public async Task<ClusterDeployReport> DeployAsync(ClusterDeployRequest request, LocalCms? cms, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        var store = ManagerStoreOrThrow();
        await RequireLeaderAsync(cancellationToken);
        var shipping = bundles ?? throw new ClusterRequestException("bundle shipping is not available in this process");
        if (!await _deploying.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            progress?.Report(new ProgressNote { Operation = ClusterMethods.Deploy, Stage = "queued", Detail = "another deployment is running; this one starts after it" });
            await _deploying.WaitAsync(cancellationToken);
        }

        // On etcd the run is the leader's: it stops the moment this manager stops leading (its writes would be refused
        // anyway), and the new leader resumes it from the record.
        var leadership = _election?.Leadership ?? CancellationToken.None;
        using var acting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leadership);
        try
        {
            var deployer = new ClusterDeployer(this, store, RemoteControl, shipping.Store, cms, _images, options.Value, time, _logger);
            return await deployer.DeployAsync(request, progress, acting.Token);
        }
        catch (OperationCanceledException) when (leadership.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterNotManagerException($"this manager stopped leading the cluster during deployment {request.DeploymentId}: the new leader resumes it ('jumpstart deployment show {request.DeploymentId} --cluster' there)");
        }
        finally
        {
            _deploying.Release();
        }
    }

    /// <summary>A deployment's record, placements and last report.</summary>
    /// <exception cref="ClusterNotFoundException">No such deployment.</exception>
    public async Task<ClusterDeploymentView> ShowDeploymentAsync(string id, CancellationToken cancellationToken)
    {
        var store = ManagerStoreOrThrow();
        var record = await store.GetDeploymentAsync(id, cancellationToken) ?? throw new ClusterNotFoundException($"no cluster deployment {id} ('jumpstart deployment list --cluster')");
        return await ViewAsync(store, record, withReport: true, cancellationToken);
    }

    /// <summary>Every deployment the manager knows, without reports.</summary>
    public async Task<IReadOnlyList<ClusterDeploymentView>> ListDeploymentsAsync(CancellationToken cancellationToken)
    {
        var store = ManagerStoreOrThrow();
        var views = new List<ClusterDeploymentView>();
        foreach (var record in await store.ListDeploymentsAsync(cancellationToken))
        {
            views.Add(await ViewAsync(store, record, withReport: false, cancellationToken));
        }

        return views;
    }

    /// <summary>
    /// Stops every VM of the deployment on every host that is up (its taps and disks go with them), deletes its waiting
    /// list on the CMS and the template bundle the deployment made, then forgets it. A host that cannot be reached keeps
    /// the record (state removing), so running the removal again finishes it.
    /// </summary>
    public async Task<ClusterRemoveDeploymentResult> RemoveDeploymentAsync(string id, LocalCms? cms, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        var store = ManagerStoreOrThrow();
        await RequireLeaderAsync(cancellationToken);
        var record = await store.GetDeploymentAsync(id, cancellationToken) ?? throw new ClusterNotFoundException($"no cluster deployment {id} ('jumpstart deployment list --cluster')");
        await store.PutDeploymentAsync(record with { State = ClusterDeploymentStates.Removing, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        var placements = await store.ListPlacementsAsync(id, cancellationToken);
        var names = placements.Select(p => p.Instance).ToHashSet(StringComparer.Ordinal);
        var hosts = (await store.ListHostsAsync(cancellationToken)).Where(h => h.State == HostStates.Up || placements.Any(p => HostNames.Same(p.Host, h.Name) && h.State != HostStates.Removed)).ToList();
        var images = await ImagesToFreeAsync(id, cancellationToken);
        var results = await Task.WhenAll(hosts.Select(h => StopOnAsync(h.Name, names, images.GetValueOrDefault(h.Name), progress, cancellationToken)));
        if (cms is not null)
        {
            // A removal run again (exit 75: a host was not reached) finds the waiting list deleted by the first run.
            await using var client = await CmsAdminClient.ConnectAsync(cms.EndPoint, cms.AdminToken(), cancellationToken);
            await client.DeleteIfPresentAsync(id, cancellationToken);
        }

        var result = new ClusterRemoveDeploymentResult { DeploymentId = id, Hosts = [.. results.OrderBy(r => r.Host, StringComparer.Ordinal)] };
        if (result.Succeeded)
        {
            if (record.Bundle == $"{id}-template")
            {
                await RemoteControl.CallAsync(RemoteControl.Name, HostMethods.TemplateRemove, new NameRequest { Name = record.Bundle }, null, cancellationToken);
            }

            File.Delete(ClusterDeployer.ReportPath(_files.Directory, id));
            await store.DeleteDeploymentAsync(id, cancellationToken);
        }

        ClusterLog.DeploymentRemoved(_logger, id, results.Sum(r => r.Stopped.Count), results.Count(r => r.Error is not null));
        return result;
    }

    /// <summary>
    /// The images deployment <paramref name="id"/> made on each host (its last report) that no other deployment's report
    /// names on that host: removing the deployment frees them.
    /// </summary>
    private async Task<Dictionary<string, string>> ImagesToFreeAsync(string id, CancellationToken cancellationToken)
    {
        var free = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (await ReadReportAsync(ClusterDeployer.ReportPath(_files.Directory, id), cancellationToken) is not { Images: { Image: { } image } made })
        {
            return free;
        }

        var folder = Path.Combine(_files.Directory, ClusterDeployer.ReportsFolder);
        var others = new List<ClusterDeployReport>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Where(p => Path.GetFileNameWithoutExtension(p) != id))
        {
            if (await ReadReportAsync(path, cancellationToken) is { } other)
            {
                others.Add(other);
            }
        }

        foreach (var host in made.Hosts.Where(h => h.Made))
        {
            if (!others.Any(o => o.Images is { } i && i.Image == image && i.Hosts.Any(h => HostNames.Same(h.Host, host.Host))))
            {
                free[host.Host] = image;
            }
        }

        return free;
    }

    private static async Task<ClusterDeployReport?> ReadReportAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ClusterDeployReport>(await File.ReadAllTextAsync(path, cancellationToken), JsonRpcWire.SerializerOptions) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // A report that cannot be read frees nothing: the image stays, which loses nothing.
            return null;
        }
    }

    /// <summary>Stops <paramref name="host"/>'s VMs whose names are in <paramref name="names"/>, then removes <paramref name="image"/>, which the deployment made there.</summary>
    private async Task<ClusterRemoveHostResult> StopOnAsync(string host, IReadOnlySet<string> names, string? image, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        try
        {
            var vms = (await RemoteControl.CallAsync(host, HostMethods.VmList, null, null, cancellationToken)).Deserialize<VmInfo[]>(JsonRpcWire.SerializerOptions) ?? [];
            var stopped = new List<string>();
            foreach (var vm in vms.Where(v => names.Contains(v.Name)))
            {
                progress?.Report(new ProgressNote { Operation = ClusterMethods.DeploymentRemove, Stage = "stopping", Detail = $"{host}: {vm.Name}" });
                await RemoteControl.CallAsync(host, HostMethods.VmStop, new NameRequest { Name = vm.Name }, null, cancellationToken);
                stopped.Add(vm.Name);
            }

            if (image is not null)
            {
                progress?.Report(new ProgressNote { Operation = ClusterMethods.DeploymentRemove, Stage = "image", Detail = $"{host}: removing {image}, which only this deployment used" });
                await RemoteControl.CallAsync(host, HostMethods.ImageRemove, new NameRequest { Name = image }, null, cancellationToken);
            }

            return new ClusterRemoveHostResult { Host = host, Stopped = stopped, ImageRemoved = image };
        }
        catch (Exception ex) when (ex is ClusterException or LocalRpcException or JsonException)
        {
            return new ClusterRemoveHostResult { Host = host, Error = ex.Message };
        }
    }

    /// <summary>
    /// What a new leader on etcd finds (issue 20): each deployment the previous leader left deploying is driven to its end
    /// here from its record and placements, one at a time like any deployment. One that cannot be resumed here (no CMS,
    /// its bundle only on the dead leader, its request unreadable) is marked interrupted, as before.
    /// </summary>
    private async Task ResumeDeploymentsAsync(IClusterStore store, CancellationToken leadership)
    {
        var leadingSince = time.GetUtcNow();
        try
        {
            foreach (var record in await store.ListDeploymentsAsync(leadership))
            {
                if (record.State != ClusterDeploymentStates.Deploying)
                {
                    continue;
                }

                await AwaitPlacementHostsAsync(store, record.Id, leadingSince + options.Value.DownAfter + ClusterLimits.MaxReconnectDelay, leadership);
                await _deploying.WaitAsync(leadership);
                var cms = LocalCms?.Invoke();
                for (var tries = 0; cms is null && tries < 40; tries++)
                {
                    // Right after a start the control server (which knows the CMS) may not be up yet.
                    await Task.Delay(250, leadership);
                    cms = LocalCms?.Invoke();
                }

                try
                {
                    var shipping = bundles ?? throw new ClusterRequestException("bundle shipping is not available in this process");
                    var deployer = new ClusterDeployer(this, store, RemoteControl, shipping.Store, cms, _images, options.Value, time, _logger);
                    await deployer.ResumeAsync(record, leadership);
                }
                catch (Exception ex) when (ex is ClusterException or LocalRpcException or Cms.CmsException or Vm.Supervisor.VmException or IOException)
                {
                    // Once running, the deployer marks it failed itself; what stopped it before (no CMS, no bundle, no
                    // host up) leaves it interrupted, as a manager that cannot resume it did before.
                    ClusterLog.DeploymentFailed(_logger, record.Id, $"not resumed by this leader: {ex.Message}");
                    if (await store.GetDeploymentAsync(record.Id, leadership) is { State: ClusterDeploymentStates.Deploying } left)
                    {
                        await store.PutDeploymentAsync(left with { State = ClusterDeploymentStates.Interrupted, UpdatedAt = time.GetUtcNow() }, leadership);
                    }
                }
                finally
                {
                    _deploying.Release();
                }
            }
        }
        catch (Exception ex) when (ex is ClusterException or OperationCanceledException)
        {
            ClusterLog.HandlerFailed(_logger, "leader start", "deployments", ex);
        }
    }

    /// <summary>
    /// Waits until every host with a placement of deployment <paramref name="id"/> is up, or until <paramref name="until"/>.
    /// A new leader's "down" means nothing before the hosts could reach it: their liveness lapses while no manager leads
    /// (e.g. the only manager restarted), and a live member comes back within its reconnect pause and one heartbeat. The
    /// resumed run would otherwise take such a host's running clones for lost and start them again elsewhere: two VMs of
    /// one instance, with one address. A host still down at <paramref name="until"/> is one (its clones are moved).
    /// </summary>
    private async Task AwaitPlacementHostsAsync(IClusterStore store, string id, DateTimeOffset until, CancellationToken leadership)
    {
        var placed = (await store.ListPlacementsAsync(id, leadership)).Select(p => p.Host).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        while (true)
        {
            var hosts = await store.ListHostsAsync(leadership);
            var waiting = placed.Where(p => hosts.Any(h => HostNames.Same(h.Name, p) && h.State is not (HostStates.Up or HostStates.Removed))).ToList();
            if (waiting.Count == 0 || time.GetUtcNow() >= until)
            {
                return;
            }

            await Task.Delay(s_hostPoll, time, leadership);
        }
    }

    /// <summary>What a manager that starts finds: a deployment it was running when it stopped is interrupted, its records kept.</summary>
    private static async Task MarkInterruptedAsync(IClusterStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        foreach (var record in await store.ListDeploymentsAsync(cancellationToken))
        {
            if (record.State == ClusterDeploymentStates.Deploying)
            {
                await store.PutDeploymentAsync(record with { State = ClusterDeploymentStates.Interrupted, UpdatedAt = time.GetUtcNow() }, cancellationToken);
            }
        }
    }

    private async Task<ClusterDeploymentView> ViewAsync(IClusterStore store, ClusterDeploymentRecord record, bool withReport, CancellationToken cancellationToken)
    {
        ClusterDeployReport? report = null;
        var path = ClusterDeployer.ReportPath(_files.Directory, record.Id);
        if (withReport && File.Exists(path))
        {
            report = JsonSerializer.Deserialize<ClusterDeployReport>(await File.ReadAllTextAsync(path, cancellationToken), JsonRpcWire.SerializerOptions);
        }

        return new ClusterDeploymentView
        {
            DeploymentId = record.Id,
            State = record.State,
            Bundle = record.Bundle,
            CreatedAt = record.CreatedAt,
            UpdatedAt = record.UpdatedAt,
            Placements = [.. (await store.ListPlacementsAsync(record.Id, cancellationToken)).Select(p => new ClusterPlacementInfo { Instance = p.Instance, Host = p.Host, State = p.State })],
            Report = report,
        };
    }

    private IClusterStore ManagerStoreOrThrow()
        => ManagerStore ?? throw new ClusterNotManagerException(_membership is null
            ? "this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)"
            : $"this host is a member; the manager {_membership.ManagerName} runs cluster deployments");
}
