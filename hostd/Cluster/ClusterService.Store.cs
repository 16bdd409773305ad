using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Which store the manager keeps its state in, and moving it from SQLite to etcd.</summary>
public sealed partial class ClusterService
{
    /// <summary>
    /// Moves the manager's state from SQLite to the etcd store <see cref="ClusterMigrateStoreRequest.To"/> in one step:
    /// stops the manager role (hosts reconnect within a few heartbeats), copies everything, records the new store in
    /// cluster.json and starts the role on it. A failed copy starts the role again on SQLite, unchanged.
    /// </summary>
    /// <exception cref="ClusterNotManagerException">This host is not a manager.</exception>
    /// <exception cref="ClusterRequestException">The store is not SQLite, the target not etcd://, or the target holds a cluster.</exception>
    /// <exception cref="ClusterStoreException">etcd cannot be reached or refused a write.</exception>
    public async Task<ClusterMigrateStoreResult> MigrateStoreAsync(ClusterMigrateStoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireManager();
            var membership = _membership!;
            var from = StoreOrDefault(membership.Store);
            if (!ClusterStores.IsSqlite(from))
            {
                throw new ClusterRequestException($"the manager's store is {from} already; migrate-store moves a SQLite store to etcd");
            }

            EtcdEndpoints.Parse(request.To);
            await StopRoleAsync();
            ClusterMigrateStoreResult result;
            try
            {
                using var sqlite = SqliteClusterStore.Open(_files.Database);
                using var etcd = (EtcdClusterStore)ClusterStores.Open(request.To, options.Value, _files);
                result = await ClusterStoreMigration.CopyAsync(sqlite, _files.Database, etcd, request.To, time.GetUtcNow(), cancellationToken);
            }
            catch
            {
                await StartRoleAsync(membership, CancellationToken.None);
                throw;
            }

            var moved = membership with { Store = request.To };
            _files.WriteMembership(moved);
            await StartRoleAsync(moved, cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The store named by init or migrate-store, else <see cref="ClusterOptions.Store"/>; validated.</summary>
    /// <exception cref="ClusterRequestException">Neither sqlite nor etcd://HOST:PORT,...</exception>
    private string StoreOrDefault(string? store)
    {
        var chosen = string.IsNullOrEmpty(store) ? options.Value.Store : store;
        if (ClusterStores.IsSqlite(chosen))
        {
            return EtcdEndpoints.Sqlite;
        }

        EtcdEndpoints.Parse(chosen);
        return chosen;
    }
}
