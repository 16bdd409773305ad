using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Shared.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Runs the CMS inside hostd when <see cref="CmsOptions.Enabled"/> (section <c>Cms</c>). The server
/// is listening before <see cref="StartAsync"/> returns, so systemd's READY=1 means guests can
/// register; a CMS that cannot start fails the daemon's start instead of dying unnoticed.
/// </summary>
/// <remarks>
/// With <see cref="CmsOptions.Store"/> unset the CMS follows the cluster: while this host is a manager of a cluster on
/// etcd it keeps its state in that etcd (the cluster's endpoints, prefix and TLS files), so every manager's CMS shares
/// one state and a clone may register with any of them; otherwise SQLite. The cluster tells it when its role changes
/// (<see cref="FollowClusterAsync"/>: init, migrate-store, a promotion), and the CMS moves at once.
/// </remarks>
public sealed class CmsHostedService(
    IOptions<CmsOptions> options,
    ILoggerFactory loggerFactory,
    IOptions<ClusterOptions>? cluster = null,
    IOptions<HostdOptions>? hostd = null) : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<CmsServer> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger = loggerFactory.CreateLogger<CmsHostedService>();

    /// <summary>The cluster's etcd store the CMS runs on now (following the cluster), or null (SQLite or Cms:Store).</summary>
    private string? _clusterStore;

    /// <summary>The running server once started (null while disabled, before start and after stop).</summary>
    public CmsServer? Server { get; private set; }

    /// <summary>Completes with the server once it listens; fails if it could not start; never completes while disabled.</summary>
    public Task<CmsServer> Started => _started.Task;

    /// <summary>
    /// The CMS's endpoint as guests reach it (<c>Cms:GuestEndpoint</c>, else the address it listens on) when it runs on
    /// <paramref name="clusterStore"/>'s etcd, i.e. shares its state with the other managers' CMS; else null.
    /// </summary>
    public string? SharedGuestEndpoint(string? clusterStore)
    {
        if (Server is not { } server || !EtcdEndpoints.IsEtcd(clusterStore))
        {
            return null;
        }

        var store = _clusterStore ?? options.Value.Store;
        if (!string.Equals(store, clusterStore, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Without Cms:GuestEndpoint the listen address is what guests are told; a loopback or wildcard one is no use to them.
        var listening = server.TcpEndPoint;
        return options.Value.GuestEndpoint ?? (CmsEndPoints.GuestsCanReach(listening) ? listening.ToString() : null);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _clusterStore = ClusterStoreAtStart();
            Server = await CmsServer.StartAsync(Effective(_clusterStore), loggerFactory, cancellationToken);
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }
        finally
        {
            _gate.Release();
        }

        _started.TrySetResult(Server);
    }

    /// <summary>
    /// The cluster role changed: <paramref name="managerStore"/> is the store this host now manages the cluster on (null:
    /// it is no manager). With <c>Cms:Store</c> unset, a CMS on another store than the one it should follow is stopped and
    /// started again on the right one (same listener); what fails is logged, and the CMS then runs on what it ran on.
    /// </summary>
    public async Task FollowClusterAsync(string? managerStore, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled || options.Value.Store is not null)
        {
            return;
        }

        var wanted = EtcdEndpoints.IsEtcd(managerStore) ? managerStore : null;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Server is not { } running || string.Equals(wanted, _clusterStore, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            var previous = _clusterStore;
            var target = Effective(wanted);
            Server = null;
            await running.DisposeAsync();
            try
            {
                Server = await CmsServer.StartAsync(target, loggerFactory, cancellationToken);
                _clusterStore = wanted;
                CmsLog.FollowsClusterStore(_logger, wanted ?? $"SQLite {options.Value.DatabasePath}", target.StorePrefix, previous ?? $"SQLite {options.Value.DatabasePath}");
            }
            catch (Exception ex) when (ex is ClusterException or Storage.CmsStoreException or IOException or System.Net.Sockets.SocketException or InvalidDataException)
            {
                CmsLog.StoreSwitchFailed(_logger, wanted ?? "SQLite", ex.Message, previous ?? "SQLite");
                Server = await CmsServer.StartAsync(Effective(previous), loggerFactory, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            Server = null;
            await server.DisposeAsync();
        }
    }

    /// <summary>The options the server runs with: the configured ones, or on <paramref name="clusterStore"/> with the cluster's prefix and TLS files.</summary>
    private CmsOptions Effective(string? clusterStore)
    {
        if (clusterStore is null || cluster is null)
        {
            return options.Value;
        }

        var files = ClusterDirectory();
        return options.Value.OnClusterStore(clusterStore, cluster.Value.StorePrefix, ClusterStores.Tls(cluster.Value, files));
    }

    /// <summary>The etcd store of the cluster this host manages, from cluster.json (what the cluster will start on), or null.</summary>
    private string? ClusterStoreAtStart()
    {
        if (options.Value.Store is not null || cluster is null)
        {
            return null;
        }

        try
        {
            var membership = ClusterDirectory().ReadMembership();
            var store = string.IsNullOrEmpty(membership?.Store) ? cluster.Value.Store : membership.Store;
            return membership is { Role: ClusterRoles.Manager } && EtcdEndpoints.IsEtcd(store) ? store : null;
        }
        catch (ClusterException)
        {
            // A cluster.json that cannot be read fails the cluster's own start, which says why.
            return null;
        }
    }

    private ClusterFiles ClusterDirectory() => new(cluster!.Value.EffectiveDirectory(hostd?.Value.StateDirectory ?? HostdOptions.DefaultStateDirectory));
}
