using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>The manager's part in a distribution: the plan (which transport, which hosts need the bundle) and what it learns.</summary>
internal sealed partial class ClusterManager
{
    private DistributionPlanner? _planner;

    private DistributionPlanner Planner => _planner ??= new DistributionPlanner(_options);

    /// <summary>
    /// Plans sending bundle <see cref="DistributionPlanRequest.BundleId"/> from <paramref name="source"/>: the hosts
    /// that need it (not the source, not those whose heartbeat says they hold it), down hosts set apart, and the transport.
    /// </summary>
    /// <exception cref="ClusterRequestException">No hosts, too many, or an unknown transport.</exception>
    /// <exception cref="ClusterNotFoundException">A host is not a member.</exception>
    public async Task<DistributionPlan> PlanDistributionAsync(string source, DistributionPlanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Hosts is not { Count: > 0 } || request.Hosts.Count > ClusterLimits.MaxHosts)
        {
            throw new ClusterRequestException($"a distribution needs 1 to {ClusterLimits.MaxHosts} hosts");
        }

        if (request.Transport is { } forced && !BundleTransports.IsValid(forced))
        {
            throw new ClusterRequestException($"unknown transport '{forced}' (one of {string.Join(", ", BundleTransports.All)})");
        }

        if (request.Transport == BundleTransports.Multicast && !_options.Multicast)
        {
            throw new ClusterRequestException($"multicast is turned off on the manager ({ClusterOptions.Section}:Multicast)");
        }

        var members = (await _store.ListHostsAsync(cancellationToken)).Where(h => h.State != HostStates.Removed).ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
        var holders = (await _store.ListHoldersAsync(request.BundleId, cancellationToken)).Select(h => h.Host).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var needed = new List<string>();
        var held = new List<string>();
        var down = new List<string>();
        foreach (var name in request.Hosts.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!members.TryGetValue(name, out var host))
            {
                throw new ClusterNotFoundException($"no member named {name} ('jumpstart cluster hosts' lists them)");
            }

            if (HostNames.Same(host.Name, source) || holders.Contains(host.Name))
            {
                held.Add(host.Name);
            }
            else if (host.State == HostStates.Down)
            {
                down.Add(host.Name);
            }
            else
            {
                needed.Add(host.Name);
            }
        }

        var (transport, reason) = Planner.Choose(source, needed, request.Bytes, request.ChunkBytes, request.Transport);
        return new DistributionPlan { Transport = transport, Reason = reason, Hosts = needed, Held = held, Down = down };
    }

    /// <summary>Learns the link rates a distribution measured.</summary>
    public void RecordDistribution(string source, DistributionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Hosts is { Count: <= ClusterLimits.MaxHosts } && double.IsFinite(record.Seconds) && record.Seconds >= 0)
        {
            Planner.Learn(source, record);
        }
    }
}
