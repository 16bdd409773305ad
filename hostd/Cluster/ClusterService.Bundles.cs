using System.Diagnostics;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cluster;

/// <summary><c>jumpstart bundle distribute</c>: this host is the source; the manager plans, this host ships over the cluster's TLS.</summary>
public sealed partial class ClusterService
{
    /// <summary>A plan or a record is a small call; the transfer itself is not bounded here.</summary>
    private static readonly TimeSpan s_planTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends a bundle this host holds (by name, or its id in the cache) to <see cref="DistributeRequest.Hosts"/>: asks the
    /// manager for the transport and the hosts that need it, ships, reports progress per host, and tells the manager what
    /// it measured. A host that fails does not stop the others; its line in the result says why, and running the
    /// distribution again (from this or any host that holds the bundle) resumes it from the chunks it verified.
    /// </summary>
    /// <exception cref="ClusterException">Not in a cluster, an unknown host, or the manager unreachable.</exception>
    /// <exception cref="BundleException">No such bundle here.</exception>
    public async Task<DistributeResult> DistributeAsync(DistributeRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var transport = Transport ?? throw new ClusterNotManagerException("this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)");
        var shipping = bundles ?? throw new ClusterRequestException("bundle shipping is not available in this process");
        if (request.Hosts is not { Count: > 0 } || request.Hosts.Count > ClusterLimits.MaxHosts)
        {
            throw new ClusterRequestException($"name 1 to {ClusterLimits.MaxHosts} hosts (--hosts a,b,c)");
        }

        var hosts = request.Hosts.Select(h => HostNames.Require(h, "host name")).ToList();
        var transportName = string.IsNullOrEmpty(request.Transport) ? BundleTransports.Auto : request.Transport;
        if (!BundleTransports.IsValid(transportName))
        {
            throw new ClusterRequestException($"unknown transport '{request.Transport}' (one of {string.Join(", ", BundleTransports.All)})");
        }

        var directory = shipping.Store.Resolve(request.Bundle);
        if (!File.Exists(Path.Combine(directory, BundleManifest.FileName)))
        {
            throw new BundleException(request.Bundle, BundleProblem.NotFound, "this host holds no such bundle ('jumpstart bundle list'; a host that holds it can distribute it: jumpstart --host HOST bundle distribute ...)");
        }

        progress?.Report(new ProgressNote { Operation = ClusterMethods.BundleDistribute, Stage = "reading", Detail = directory });
        var manifest = await shipping.ManifestAsync(directory, shipping.ChunkBytes, cancellationToken);
        var plan = await PlanAsync(
            new DistributionPlanRequest { BundleId = manifest.BundleId, Bytes = manifest.TotalBytes, ChunkBytes = manifest.ChunkBytes, Hosts = hosts, Transport = transportName },
            cancellationToken);
        progress?.Report(new ProgressNote { Operation = ClusterMethods.BundleDistribute, Stage = $"sending by {plan.Transport} to {plan.Hosts.Count} host(s)", Detail = plan.Reason, BytesTotal = manifest.TotalBytes });

        var clock = Stopwatch.StartNew();
        var shipped = plan.Hosts.Count == 0
            ? []
            : await shipping.ShipAsync(transport, directory, plan.Transport, plan.Hosts, progress is null ? null : Bundles.ClusterBundles.Notes(progress, time), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var lines = new List<DistributeHostResult>();
        lines.AddRange(plan.Held.Select(h => new DistributeHostResult { Host = h, State = DistributeStates.AlreadyHeld, Bytes = manifest.TotalBytes }));
        lines.AddRange(plan.Down.Select(h => new DistributeHostResult { Host = h, State = DistributeStates.Failed, Message = "the manager has marked this host down" }));
        lines.AddRange(shipped.Select(r => new DistributeHostResult
        {
            Host = r.Host,
            State = r.State switch { HopState.Done => DistributeStates.Done, HopState.AlreadyHeld => DistributeStates.AlreadyHeld, _ => DistributeStates.Failed },
            Bytes = r.BytesVerified,
            BytesSent = r.BytesSent,
            Seconds = r.Elapsed.TotalSeconds,
            Message = r.Succeeded ? null : r.Message ?? "the transfer did not finish",
        }));
        var ordered = hosts.Distinct(StringComparer.OrdinalIgnoreCase).Select(h => lines.First(l => HostNames.Same(l.Host, h))).ToList();
        var result = new DistributeResult
        {
            Bundle = request.Bundle,
            BundleId = manifest.BundleId,
            Bytes = manifest.TotalBytes,
            Transport = plan.Transport,
            Reason = plan.Reason,
            Seconds = seconds,
            Hosts = ordered,
        };
        ClusterLog.BundleDistributed(_logger, request.Bundle, plan.Transport, ordered.Count, seconds, ordered.Count(h => h.State == DistributeStates.Failed));
        await RecordAsync(new DistributionRecord { BundleId = manifest.BundleId, Bytes = manifest.TotalBytes, Transport = plan.Transport, Seconds = seconds, Hosts = ordered });
        return result;
    }

    private Task<DistributionPlan> PlanAsync(DistributionPlanRequest request, CancellationToken cancellationToken)
    {
        var name = Transport!.Identity.Name;
        return _manager is { } manager
            ? manager.PlanDistributionAsync(name, request, cancellationToken)
            : (_agent ?? throw new ClusterUnreachableException("not connected to the manager")).CallManagerAsync<DistributionPlan>(ClusterMethods.ManagerDistributionPlan, request, s_planTimeout, cancellationToken);
    }

    /// <summary>Best effort: the figures only improve the next plan.</summary>
    private async Task RecordAsync(DistributionRecord record)
    {
        try
        {
            if (_manager is { } manager)
            {
                manager.RecordDistribution(Transport!.Identity.Name, record);
            }
            else if (_agent is { } agent)
            {
                await agent.CallManagerAsync<object?>(ClusterMethods.ManagerDistributionRecord, record, s_planTimeout, CancellationToken.None);
            }
        }
        catch (ClusterException)
        {
            // The manager went away during the transfer; the hosts' heartbeats still report what they hold.
        }
    }
}
