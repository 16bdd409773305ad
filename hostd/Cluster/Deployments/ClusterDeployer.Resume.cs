using System.Text.Json;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// A deployment a leader that is gone left <c>deploying</c> (issue 20), driven to its end by the new leader from its
/// record and placements in the store. Each host is asked what runs there first: an instance alive on its host is
/// running and is not started again (a host refuses a clone whose name runs anyway); only the instances placed and not
/// started, or on hosts that are down, are resumed or placed again.
/// </summary>
internal sealed partial class ClusterDeployer
{
    /// <summary>True for a resumed run: cancelled (its leader stepped down), it stays deploying for the next leader.</summary>
    private bool _resumed;

    /// <summary>Resumes <paramref name="record"/> (state deploying) where its placements say it stood.</summary>
    /// <exception cref="ClusterRequestException">Its request cannot be read, no CMS here, or this manager lacks its bundle.</exception>
    public async Task<ClusterDeployReport> ResumeAsync(ClusterDeploymentRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ClusterDeployRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ClusterDeployRequest>(record.SpecJson, JsonRpcWire.SerializerOptions);
        }
        catch (JsonException ex)
        {
            throw new ClusterRequestException($"deployment {record.Id}: its request cannot be read: {ex.Message}", ex);
        }

        _request = Validate(request ?? throw new ClusterRequestException($"deployment {record.Id} has no request"));
        _memoryFormat = _request.MemoryFormat;
        _createdAt = record.CreatedAt;
        _resumed = true;
        var local = cms ?? throw new ClusterRequestException("this manager runs no CMS: the deployment cannot be resumed here");
        var bundleName = record.Bundle == ColdBootBundle ? null : record.Bundle;
        if (!_request.Cold && bundleName is null)
        {
            throw new ClusterRequestException($"deployment {record.Id} stopped before its template was made");
        }

        if (bundleName is not null && !File.Exists(Path.Combine(bundles.Resolve(bundleName), Vm.Bundles.BundleFiles.Spec)))
        {
            await FetchBundleAsync(record.Id, bundleName, cancellationToken);
        }

        var spec = ReadSpec(_request.Cold ? _request : _request with { Bundle = bundleName, SpecFile = null }, out _);
        foreach (var candidate in await CandidatesAsync(_request, cancellationToken))
        {
            _hosts[candidate.Host] = new HostRun(candidate.Host, candidate.FreeBytes);
        }

        var numbers = Enumerable.Range(1, _request.Count).ToDictionary(n => ClonePlanner.NameOf(_request.DeploymentId, n), StringComparer.Ordinal);
        var alive = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var placement in await store.ListPlacementsAsync(record.Id, cancellationToken))
        {
            if (!numbers.TryGetValue(placement.Instance, out var number))
            {
                continue;
            }

            var slot = new Slot(number, placement.Instance) { Host = placement.Host };
            _slots[number] = slot;
            if (!_hosts.TryGetValue(placement.Host, out var host))
            {
                // Its host is down or gone: placed again on the others.
                Move(slot, $"{placement.Host} is not up");
                continue;
            }

            if (!alive.TryGetValue(host.Host, out var names))
            {
                names = await AliveOnAsync(host.Host, cancellationToken);
                alive[host.Host] = names;
            }

            slot.State = names.Contains(slot.Name) ? PlacementStates.Running : placement.State is PlacementStates.Missing ? PlacementStates.Moved : PlacementStates.Placed;
        }

        foreach (var (name, number) in numbers.Where(n => !_slots.ContainsKey(n.Value)))
        {
            // No placement was written for it: placed again wherever there is room.
            _slots[number] = new Slot(number, name) { Host = string.Empty };
            Move(_slots[number], "no placement was recorded");
        }

        Note("resuming", $"deployment {record.Id} left deploying by the previous leader: {_slots.Values.Count(s => s.State == PlacementStates.Running)} instance(s) running, {_slots.Values.Count(s => s.State != PlacementStates.Running)} to start");
        ClusterLog.DeploymentStarted(logger, _request.DeploymentId, _request.Count, _hosts.Count(h => h.Value.Assigned(_slots) > 0));
        await SaveAsync(ClusterDeploymentStates.Deploying, record.Bundle, cancellationToken);
        return await RunAsync(local, spec, bundleName, makeTemplate: false, cancellationToken);
    }

    /// <summary>
    /// Brings the deployment's bundle to this manager from a host that holds it (the previous leader sent it only to the
    /// hosts it placed clones on, or made it itself): each host that is up, those with placements first, is asked to send
    /// it here, as <c>bundle distribute</c> would, until one does. Holdings are not consulted: a receiver reports its
    /// cached copies by id, and the record knows the bundle by name; a host that lacks it refuses at once.
    /// </summary>
    /// <exception cref="ClusterRequestException">No host that is up could send it.</exception>
    private async Task FetchBundleAsync(string deploymentId, string bundle, CancellationToken cancellationToken)
    {
        var placed = (await store.ListPlacementsAsync(deploymentId, cancellationToken)).Select(p => p.Host).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var holders = (await store.ListHostsAsync(cancellationToken))
            .Where(h => h.State == HostStates.Up && !HostNames.Same(h.Name, remote.Name))
            .OrderBy(h => placed.Contains(h.Name) ? 0 : 1)
            .Select(h => h.Name)
            .ToList();
        var failures = new List<string>();
        foreach (var holder in holders)
        {
            Note("fetching", $"{bundle} from {holder}: this manager does not hold it");
            try
            {
                var sent = await CallAsync<DistributeResult>(holder, ClusterMethods.BundleDistribute, new DistributeRequest { Bundle = bundle, Hosts = [remote.Name] }, cancellationToken);
                if (sent.Succeeded)
                {
                    return;
                }

                failures.Add($"{holder}: {string.Join("; ", sent.Hosts.Select(h => h.Message).OfType<string>())}");
            }
            catch (Exception ex) when (ex is ClusterException or StreamJsonRpc.LocalRpcException)
            {
                failures.Add($"{holder}: {ex.Message}");
            }
        }

        throw new ClusterRequestException($"this manager does not hold the deployment's bundle {bundle}, and no host that is up sent it ({(failures.Count == 0 ? "none is up" : string.Join("; ", failures))})");
    }

    /// <summary>The VMs alive on <paramref name="host"/>; none when it cannot be asked (its instances are then started or moved).</summary>
    private async Task<HashSet<string>> AliveOnAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            var vms = (await remote.CallAsync(host, HostMethods.VmList, null, null, cancellationToken)).Deserialize<VmInfo[]>(JsonRpcWire.SerializerOptions) ?? [];
            return vms.Where(v => v.State == "alive").Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is ClusterException or StreamJsonRpc.LocalRpcException or JsonException)
        {
            Note("host failed", $"{host}: cannot list its VMs: {ex.Message}");
            return [];
        }
    }
}
