using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>The hosts' part: the bundle to them, the base image, the CMS's waiting list, each host's resume, and placing again.</summary>
internal sealed partial class ClusterDeployer
{
    /// <summary>How many rounds of placing again a deployment runs before it reports what is still missing.</summary>
    private const int MaxPlacementRounds = 4;

    /// <summary>Sends the bundle to <paramref name="hosts"/> that lack it (this host holds it); a host it cannot reach is out.</summary>
    private async Task<DistributeResult?> DistributeAsync(DeploymentRun run, IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        var receivers = hosts.Where(h => !HostNames.Same(h, remote.Name)).ToList();
        if (_hosts.TryGetValue(remote.Name, out var self))
        {
            self.HasBundle = true;
            self.DistributionSeconds = 0;
        }

        if (receivers.Count == 0)
        {
            return null;
        }

        Note("distributing", $"{run.Bundle} to {string.Join(", ", receivers)}");
        var result = await cluster.DistributeAsync(new DistributeRequest { Bundle = run.Bundle!, Hosts = receivers, Transport = _request.Transport }, _progress, cancellationToken);
        var offset = (time.GetUtcNow() - run.StartedAt).TotalSeconds - result.Seconds;
        foreach (var line in result.Hosts)
        {
            var host = _hosts[line.Host];
            if (line.State is DistributeStates.Done or DistributeStates.AlreadyHeld)
            {
                host.HasBundle = true;
                host.DistributionSeconds = Math.Max(0, offset) + (line.State == DistributeStates.AlreadyHeld ? 0 : line.Seconds);
            }
            else
            {
                Drop(host, $"the bundle did not reach it: {line.Message}");
            }
        }

        return result;
    }

    /// <summary>The base image by the requested scheme, on every host that runs clones; null when the request named none.</summary>
    private async Task<DeploymentImagesResult?> PrepareImagesAsync(DeploymentRun run, CancellationToken cancellationToken)
    {
        if (_request.Images is not { } scheme)
        {
            return null;
        }

        var provider = images ?? throw new ClusterRequestException("this hostd has no image scheme support for cluster deployments");
        var image = (run.Bundle is null ? null : BaseImageOf(bundles.Resolve(run.Bundle), run.Spec)) ?? throw new ClusterRequestException(
            "--images needs clones (not a cold boot) of a template whose disk reads a catalog image (jumpstart template create --base root=image:NAME)");
        var perHost = _hosts.Values.Where(h => h.Error is null && h.Assigned(_slots) > 0).ToDictionary(h => h.Host, h => h.Assigned(_slots), StringComparer.OrdinalIgnoreCase);
        Note("images", $"{scheme} for image {image} on {perHost.Count} host(s)");
        return await provider.PrepareAsync(
            new DeploymentImagesRequest
            {
                Scheme = scheme,
                Image = image,
                Origin = remote.Name,
                ClonesPerHost = perHost,
                Call = (host, method, parameters, progress, ct) => remote.CallAsync(host, method, parameters, progress, ct),
            },
            _progress,
            cancellationToken);
    }

    /// <summary>
    /// The catalog image a disk delta of the bundle in <paramref name="directory"/> backs onto: its qcow2 backing file is
    /// the image service's <c>nbd+unix:///NAME?socket=...</c> (hostd/Images/README.md); null when no disk does.
    /// </summary>
    private static string? BaseImageOf(string directory, VmSpec spec)
    {
        foreach (var disk in spec.Disks)
        {
            var backing = Qcow2Header.BackingFile(Path.Combine(directory, Vm.Bundles.BundleFiles.Disk(disk.Id)));
            if (backing is not null && backing.StartsWith("nbd+unix:///", StringComparison.Ordinal))
            {
                var name = backing["nbd+unix:///".Length..].Split('?')[0];
                if (name.Length > 0)
                {
                    return Uri.UnescapeDataString(name);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Plans every instance (name, MAC, address, token) and puts the waiting list on the CMS before any clone starts. On
    /// etcd the clones are also given the other managers' CMS as alternates (they share this one's state), and their
    /// tokens are derived (<see cref="InstanceTokens"/>), so a new leader resuming the run keeps the waiting list.
    /// </summary>
    private async Task RegisterAsync(DeploymentRun run, LocalCms local, CancellationToken cancellationToken)
    {
        var plan = new ClonePlanRequest
        {
            Count = _request.Count,
            Prefix = _request.DeploymentId,
            FirstAddress = _request.FirstAddress,
            Gateway = _request.Gateway,
            Policy = _request.Policy,
        };
        try
        {
            var registrar = CmsCloneRegistrar.For(plan, local)!;
            var guests = registrar.GuestEndPoint;
            var alternates = cluster.CmsAlternates($"{guests.Host}:{guests.Port}");
            var tokens = cluster.InstanceTokens?.Of(_request.DeploymentId, _createdAt);
            var planned = ClonePlanner.Plan(plan, run.Spec.Nic?.Mac, guests, ClusterDeployRequest.MaxCount, tokens, alternates);
            run.Planned = planned.Select((p, i) => (Number: i + 1, Clone: _request.SelfScript is { } script ? p with { Metadata = p.Metadata with { SelfScript = script } } : p))
                .ToDictionary(p => p.Number, p => p.Clone);
            var also = alternates.Count > 0 ? $"; alternates {string.Join(", ", alternates)}" : "";
            Note("cms", $"waiting list of {planned.Count} on the CMS at {guests.Host}:{guests.Port} ({_request.Policy}){also}");
            if (_resumed)
            {
                await registrar.RegisterAgainAsync(planned, cancellationToken);
            }
            else
            {
                await registrar.RegisterAsync(planned, cancellationToken);
            }
        }
        catch (ClonePlanException ex)
        {
            throw new ClusterRequestException(ex.Message, ex);
        }
    }

    /// <summary>Every host resumes its share at once; what fails is placed again on the hosts left, in rounds.</summary>
    private async Task ResumeAllAsync(DeploymentRun run, CancellationToken cancellationToken)
    {
        await PlaceAgainAsync(run, cancellationToken);
        for (var round = 0; round < MaxPlacementRounds; round++)
        {
            var due = _slots.Values.Where(s => s.State == PlacementStates.Placed).GroupBy(s => s.Host, StringComparer.OrdinalIgnoreCase).ToList();
            if (due.Count == 0)
            {
                return;
            }

            await Task.WhenAll(due.Select(g => ResumeOnAsync(run, _hosts[g.Key], [.. g], cancellationToken)));
            await SaveAsync(ClusterDeploymentStates.Deploying, run.Bundle ?? ColdBootBundle, cancellationToken);
            await PlaceAgainAsync(run, cancellationToken);
        }
    }

    /// <summary>One host's clone call with the instances planned for it; its failures go back to be placed again.</summary>
    private async Task ResumeOnAsync(DeploymentRun run, HostRun host, IReadOnlyList<Slot> slots, CancellationToken cancellationToken)
    {
        var dispatchedAt = time.GetUtcNow();
        foreach (var slot in slots)
        {
            slot.DispatchedAt = dispatchedAt;
        }

        var clones = slots.Select(s => new CloneInstanceRequest { Name = s.Name, Metadata = run.Planned[s.Number].Metadata }).ToList();
        Note("resuming", $"{host.Host}: {string.Join(", ", slots.Select(s => s.Name))}");
        CloneReport report;
        try
        {
            report = _request.Cold
                ? await CallAsync<CloneReport>(host.Host, HostMethods.VmBoot, new BootRequest { SpecFile = Path.GetFullPath(_request.SpecFile!), Clones = clones }, cancellationToken)
                : await CallAsync<CloneReport>(host.Host, HostMethods.Clone, new CloneRequest { Bundle = run.Bundle!, Clones = clones }, cancellationToken);
        }
        catch (Exception ex) when (ex is ClusterException or LocalRpcException or System.Text.Json.JsonException)
        {
            Drop(host, ex.Message);
            return;
        }

        host.ResumeSeconds = (time.GetUtcNow() - run.StartedAt).TotalSeconds;
        foreach (var slot in slots)
        {
            var result = report.Clones.FirstOrDefault(c => c.Name == slot.Name);
            if (result is { Succeeded: true })
            {
                slot.Result = result;
                slot.State = PlacementStates.Running;
            }
            else
            {
                Move(slot, $"{host.Host} could not start it: {result?.Error ?? "no answer for it"}");
            }
        }
    }

    /// <summary>Takes <paramref name="host"/> out of the deployment: its instances that are not ready go back to be placed again.</summary>
    private void Drop(HostRun host, string why)
    {
        if (host.Error is null)
        {
            host.Error = why;
            Note("host failed", $"{host.Host}: {why}");
            ClusterLog.DeploymentHostFailed(logger, _request.DeploymentId, host.Host, why);
        }

        foreach (var slot in _slots.Values.Where(s => HostNames.Same(s.Host, host.Host) && s.State is PlacementStates.Placed or PlacementStates.Running))
        {
            Move(slot, why);
        }
    }

    /// <summary>Marks <paramref name="slot"/> to be placed again elsewhere.</summary>
    private static void Move(Slot slot, string why)
    {
        slot.MovedFrom.Add(slot.Host);
        slot.Detail = why;
        slot.Result = null;
        slot.State = PlacementStates.Moved;
    }

    /// <summary>
    /// Places every moved instance again on a host that is still in the deployment and has room (by the memory it had
    /// at the start less this deployment's VMs there), never on a host it failed on; sends the bundle first to a host
    /// that lacks it. What finds no room is missing.
    /// </summary>
    private async Task PlaceAgainAsync(DeploymentRun run, CancellationToken cancellationToken)
    {
        var moved = _slots.Values.Where(s => s.State == PlacementStates.Moved).OrderBy(s => s.Number).ToList();
        if (moved.Count == 0)
        {
            return;
        }

        var live = await LiveHostsAsync(cancellationToken);
        var newHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var slot in moved)
        {
            var target = live
                .Where(h => !slot.MovedFrom.Contains(h.Host, StringComparer.OrdinalIgnoreCase) && (h.Assigned(_slots) + 1) * run.BytesPerVm <= h.FreeBytes)
                .OrderBy(h => h.Assigned(_slots))
                .FirstOrDefault();
            if (target is null)
            {
                slot.State = PlacementStates.Missing;
                slot.Detail = $"no host left with room for it ({slot.Detail})";
                Note("missing", $"{slot.Name}: {slot.Detail}");
                continue;
            }

            Note("placing again", $"{slot.Name}: {slot.Host} -> {target.Host}");
            slot.Host = target.Host;
            slot.State = PlacementStates.Placed;
            if (!target.HasBundle && !_request.Cold)
            {
                newHosts.Add(target.Host);
            }
        }

        if (newHosts.Count > 0)
        {
            await DistributeAsync(run, [.. newHosts], cancellationToken);
            if (_slots.Values.Any(s => s.State == PlacementStates.Moved))
            {
                await PlaceAgainAsync(run, cancellationToken);
                return;
            }
        }

        await SaveAsync(ClusterDeploymentStates.Deploying, run.Bundle ?? ColdBootBundle, cancellationToken);
    }

    /// <summary>The hosts still in the deployment that the manager sees up now (the request's hosts only).</summary>
    private async Task<IReadOnlyList<HostRun>> LiveHostsAsync(CancellationToken cancellationToken)
    {
        var records = await store.ListHostsAsync(cancellationToken);
        foreach (var host in _hosts.Values.Where(h => h.Error is null))
        {
            if (records.FirstOrDefault(r => HostNames.Same(r.Name, host.Host)) is not { State: HostStates.Up })
            {
                Drop(host, "the manager marked it down");
            }
        }

        return [.. _hosts.Values.Where(h => h.Error is null)];
    }
}
