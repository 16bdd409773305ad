using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Copies a manager's whole state from one store to an etcd store (<c>jumpstart cluster migrate-store</c>).</summary>
public static class ClusterStoreMigration
{
    /// <summary>
    /// Copies hosts, tokens, revocations (and the list number), deployments, placements and bundle holdings from
    /// <paramref name="from"/> to <paramref name="to"/>, which must hold no host yet (two clusters are never merged).
    /// </summary>
    /// <exception cref="ClusterRequestException">The etcd store already holds a cluster under its prefix.</exception>
    /// <exception cref="ClusterStoreException">Either store failed.</exception>
    public static async Task<ClusterMigrateStoreResult> CopyAsync(IClusterStore from, string fromName, EtcdClusterStore to, string toName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if ((await to.ListHostsAsync(cancellationToken)).Count > 0)
        {
            throw new ClusterRequestException($"{toName} already holds a cluster under {to.Prefix}; choose another Cluster:StorePrefix or clear it");
        }

        var hosts = await from.ListHostsAsync(cancellationToken);
        var holdings = 0;
        foreach (var host in hosts)
        {
            await to.PutHostAsync(host, cancellationToken);
            var held = await from.ListHoldingsAsync(host.Name, cancellationToken);
            if (held.Count > 0)
            {
                await to.SetHoldingsAsync(host.Name, [.. held.Select(h => h.Bundle)], held.Min(h => h.Since), cancellationToken);
                holdings += held.Count;
            }
        }

        var tokens = await from.ListTokensAsync(cancellationToken);
        foreach (var token in tokens.Where(t => t.ExpiresAt > now))
        {
            await to.AddTokenAsync(token, now, cancellationToken);
        }

        var revocations = await from.GetRevocationsAsync(cancellationToken);
        await to.ImportRevocationsAsync(revocations, cancellationToken);
        var deployments = await from.ListDeploymentsAsync(cancellationToken);
        var placements = 0;
        foreach (var deployment in deployments)
        {
            await to.PutDeploymentAsync(deployment, cancellationToken);
            var placed = await from.ListPlacementsAsync(deployment.Id, cancellationToken);
            await to.SetPlacementsAsync(deployment.Id, placed, cancellationToken);
            placements += placed.Count;
        }

        return new ClusterMigrateStoreResult
        {
            From = fromName,
            To = toName,
            Hosts = hosts.Count,
            Tokens = tokens.Count(t => t.ExpiresAt > now),
            Revocations = revocations.Entries.Count,
            Deployments = deployments.Count,
            Placements = placements,
            Holdings = holdings,
        };
    }
}
