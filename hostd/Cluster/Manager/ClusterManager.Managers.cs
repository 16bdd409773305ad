using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Shared.Cluster;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>Several managers (etcd): the list hosts fail over along, enrolling another manager, the leader's liveness watch.</summary>
internal sealed partial class ClusterManager
{
    /// <summary>Every manager of the cluster, as the store names them (refreshed with the manager's own heartbeat).</summary>
    public ManagerAddress[] Managers => Volatile.Read(ref _managers);

    /// <summary>
    /// Reads the managers from the store: hosts of role manager that are not removed, in name order. On SQLite (one
    /// manager) the list stays empty, so members keep the address they joined with, as before.
    /// </summary>
    private async Task RefreshManagersAsync(CancellationToken cancellationToken)
    {
        if (_store is not IHostLiveness)
        {
            return;
        }

        var managers = (await _store.ListHostsAsync(cancellationToken))
            .Where(h => h.Role == ClusterRoles.Manager && h.State != HostStates.Removed)
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .Take(ManagerAddress.MaxManagers)
            .Select(h => new ManagerAddress { Name = h.Name, Endpoint = h.Endpoint, Cms = h.Capacity?.Cms })
            .ToArray();
        Volatile.Write(ref _managers, managers);
    }

    /// <summary>
    /// Makes the member <paramref name="name"/> a manager of this etcd-backed cluster: sends it the CA key and the store
    /// over its mutual-TLS connection to this manager (<see cref="ClusterMethods.HostPromote"/>; it checks that it can
    /// reach etcd before it answers), then records its role, so that every host learns of it with its next heartbeat.
    /// </summary>
    /// <exception cref="ClusterRequestException">The store is SQLite, or the host is a manager already.</exception>
    /// <exception cref="ClusterNotFoundException">No such member.</exception>
    /// <exception cref="ClusterUnreachableException">The host is not connected to this manager.</exception>
    public async Task<ClusterAddManagerResult> AddManagerAsync(string name, string store, CancellationToken cancellationToken)
    {
        if (_store is not IHostLiveness)
        {
            throw new ClusterRequestException("several managers need the etcd store: run 'jumpstart cluster migrate-store --to etcd://...' first");
        }

        name = HostNames.Require(name, "the host to make a manager");
        var host = await _store.GetHostAsync(name, cancellationToken);
        if (host is null || host.State == HostStates.Removed)
        {
            throw new ClusterNotFoundException($"no member named {name}");
        }

        if (host.Role == ClusterRoles.Manager)
        {
            throw new ClusterRequestException($"{name} is a manager already");
        }

        if (!_connected.TryGetValue(host.Name, out var peer) || peer.Completion.IsCompleted)
        {
            throw new ClusterUnreachableException($"{name} is not connected to this manager ({Name}); run add-manager on the manager it is connected to ('jumpstart --host {name} cluster status'), or once it is up");
        }

        await RefreshManagersAsync(cancellationToken);
        ManagerAddress[] managers = [.. Managers.Where(m => m.Name != host.Name), new ManagerAddress { Name = host.Name, Endpoint = host.Endpoint }];
        var message = new PromoteMessage { CaKey = await File.ReadAllTextAsync(_files.CaKey, cancellationToken), Store = store, Managers = managers };
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bound.CancelAfter(ClusterLimits.CallTimeout + Etcd.EtcdConnection.OperationTimeout);
            try
            {
                await peer.InvokeAsync<bool>(ClusterMethods.HostPromote, message, bound.Token);
            }
            catch (RemoteInvocationException ex)
            {
                throw ClusterErrors.FromRemote(ex, name);
            }
            catch (Exception ex) when (ex is ConnectionLostException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new ClusterUnreachableException($"{name} did not answer the promotion: {ex.Message}", ex);
            }
        }

        var current = await _store.GetHostAsync(host.Name, cancellationToken) ?? host;
        await _store.PutHostAsync(current with { Role = ClusterRoles.Manager }, cancellationToken);
        await RefreshManagersAsync(cancellationToken);
        EtcdLog.ManagerAdded(_logger, host.Name, host.Endpoint);
        return new ClusterAddManagerResult { Name = host.Name, Managers = Managers };
    }

    /// <summary>
    /// The leader's liveness work on etcd, until <paramref name="leadership"/> ends: marks down what expired while no
    /// leader watched, then every host whose lease expires (a watch, no polling); a failed watch starts again.
    /// </summary>
    public async Task LeadAsync(CancellationToken leadership)
    {
        if (_store is not IHostLiveness liveness)
        {
            return;
        }

        while (!leadership.IsCancellationRequested)
        {
            try
            {
                await liveness.WatchExpiriesAsync(_time.GetUtcNow() - _options.DownAfter, name => ClusterLog.HostDown(_logger, name, _options.DownAfter.TotalSeconds), leadership);
            }
            catch (OperationCanceledException) when (leadership.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterException ex)
            {
                EtcdLog.LivenessWatchFailed(_logger, ex.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), _time, leadership);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
