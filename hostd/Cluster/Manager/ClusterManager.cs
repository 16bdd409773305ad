using System.Collections.Concurrent;
using Jumpstart.Hostd.Cluster.Agent;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>
/// The manager role: admits hosts that present a valid token (signing their certificates with the CA), keeps every
/// host's heartbeat and capacity in the store, marks a silent host down and a returning one up, removes hosts by
/// revoking their certificates and pushes the new revocation list to every connected host. The manager is also a host:
/// it records its own heartbeat in-process.
/// </summary>
internal sealed partial class ClusterManager : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly CertificateAuthority _ca;
    private readonly ClusterTransport _transport;
    private readonly ClusterRpc _rpc;
    private readonly ClusterFiles _files;
    private readonly ClusterOptions _options;
    private readonly HostCapacityProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JoinRateLimiter _joinLimiter;
    private readonly ConcurrentDictionary<string, JsonRpcPeer> _connected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _holdings = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _revocationGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _monitor = Task.CompletedTask;
    private Func<bool> _leads = () => true;
    private ManagerAddress[] _managers = [];

    private ClusterManager(IClusterStore store, CertificateAuthority ca, ClusterTransport transport, ClusterRpc rpc, ClusterFiles files, ClusterOptions options, HostCapacityProbe probe, TimeProvider time, ILogger logger)
    {
        _store = store;
        _ca = ca;
        _transport = transport;
        _rpc = rpc;
        _files = files;
        _options = options;
        _probe = probe;
        _time = time;
        _logger = logger;
        _joinLimiter = new JoinRateLimiter(options);
        InstanceTokens = new Deployments.InstanceTokens(ca);
    }

    /// <summary>The derived CMS tokens of cluster deployments (the same on every manager: they hold the same CA key).</summary>
    public Deployments.InstanceTokens InstanceTokens { get; }

    /// <summary>This host's name (the manager's).</summary>
    public string Name => _transport.Identity.Name;

    /// <summary>The store behind the manager (for the placement and bundle features built on it).</summary>
    public IClusterStore Store => _store;

    /// <summary>
    /// Builds the revocation list the store says is current (writing crl.pem), so a transport can start with it.
    /// </summary>
    public static async Task<RevocationList> CurrentRevocationsAsync(IClusterStore store, CertificateAuthority ca, ClusterFiles files, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(files);
        var state = await store.GetRevocationsAsync(cancellationToken);
        return Publish(state, ca, files, now);
    }

    /// <summary>Starts the manager on a transport whose identity and revocation list are the manager's.</summary>
    public static ClusterManager Start(IClusterStore store, CertificateAuthority ca, ClusterTransport transport, ClusterRpc rpc, ClusterFiles files, ClusterOptions options, HostCapacityProbe probe, TimeProvider time, ILogger logger, Func<bool>? leads = null)
    {
        var manager = new ClusterManager(store, ca, transport, rpc, files, options, probe, time, logger);
        manager._leads = leads ?? manager._leads;
        transport.Map(ClusterProtocols.Join, manager.ServeJoinAsync);
        transport.Map(ClusterProtocols.Rpc, manager.ServeHostAsync);
        manager._monitor = Task.Run(manager.MonitorAsync);
        return manager;
    }

    /// <summary>The CA certificate (PEM) joiners check against their pin.</summary>
    public string CaPem => _ca.Certificate.ExportCertificatePem();

    /// <summary>Every host, as <c>cluster hosts</c> shows them.</summary>
    public async Task<ClusterHostInfo[]> ListHostsAsync(CancellationToken cancellationToken)
        => [.. (await _store.ListHostsAsync(cancellationToken)).Select(Describe)];

    private Task ServeJoinAsync(ClusterConnection connection, CancellationToken cancellationToken)
        => _rpc.ServeAsync(connection, ClusterRpc.JoinOptions, peer => peer.AddLocalRpcTarget(new JoinRpcTarget(this, connection)), cancellationToken);

    private async Task ServeHostAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var name = connection.PeerName!;
        JsonRpcPeer? served = null;
        try
        {
            await _rpc.ServeAsync(connection, ClusterRpc.HostOptions, peer =>
            {
                served = peer;
                peer.AddLocalRpcTarget(new ManagerRpcTarget(this, name, peer));
            }, cancellationToken);
        }
        finally
        {
            if (served is not null)
            {
                _connected.TryRemove(new KeyValuePair<string, JsonRpcPeer>(name, served));
            }
        }
    }

    /// <summary>The host said hello on <paramref name="peer"/>: it is the connection pushes go to from now on.</summary>
    internal async Task<HelloResult> HelloAsync(string name, JsonRpcPeer peer, HostHello hello, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hello);
        await HeartbeatAsync(name, hello.Capacity, cancellationToken);
        if (_connected.TryGetValue(name, out var previous) && previous != peer)
        {
            previous.Dispose();
        }

        _connected[name] = peer;
        var current = _transport.Revocations;
        return new HelloResult
        {
            HeartbeatIntervalMs = (int)_options.HeartbeatInterval.TotalMilliseconds,
            Managers = Volatile.Read(ref _managers),
            Revocations = hello.CrlNumber < current.Number ? new RevocationListMessage { CrlNumber = current.Number, Crl = current.Pem } : null,
        };
    }

    /// <summary>Records a heartbeat of <paramref name="name"/>.</summary>
    /// <exception cref="ClusterRefusedException">The host was removed (or never joined).</exception>
    internal async Task<HeartbeatResult> HeartbeatAsync(string name, HostCapacity capacity, CancellationToken cancellationToken)
    {
        Validate(capacity);
        var now = _time.GetUtcNow();
        switch (await _store.RecordHeartbeatAsync(name, capacity, now, cancellationToken))
        {
            case HeartbeatOutcome.CameUp:
                ClusterLog.HostUp(_logger, name);
                break;
            case HeartbeatOutcome.Unknown:
                throw new ClusterRefusedException($"host {name} is not a member of this cluster");
            case HeartbeatOutcome.Removed:
                throw new ClusterRefusedException($"host {name} was removed from the cluster");
        }

        if (_store is Etcd.IHostLiveness liveness)
        {
            await liveness.KeepAliveAsync(name, _options.DownAfter, cancellationToken);
        }

        var key = string.Join('\n', capacity.Bundles.Order(StringComparer.Ordinal));
        if (!_holdings.TryGetValue(name, out var held) || held != key)
        {
            await _store.SetHoldingsAsync(name, [.. capacity.Bundles.Distinct(StringComparer.Ordinal)], now, cancellationToken);
            _holdings[name] = key;
        }

        return new HeartbeatResult { CrlNumber = _transport.Revocations.Number, Managers = Volatile.Read(ref _managers) };
    }

    /// <summary>The revocation list in force.</summary>
    internal RevocationListMessage Revocations()
    {
        var current = _transport.Revocations;
        return new RevocationListMessage { CrlNumber = current.Number, Crl = current.Pem };
    }

    private static void Validate(HostCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        if (capacity.Bundles is null || capacity.Bundles.Count > HostCapacity.MaxBundles
            || capacity.Bundles.Any(b => string.IsNullOrEmpty(b) || b.Length > HostCapacity.MaxBundleNameLength)
            || capacity.Cores < 0 || capacity.MemoryTotalBytes < 0 || capacity.MemoryAvailableBytes < 0 || capacity.RunningVms < 0 || capacity.FreeSpaceBytes < 0)
        {
            throw new ClusterRequestException($"a heartbeat's capacity must be non-negative and list at most {HostCapacity.MaxBundles} bundle names of 1-{HostCapacity.MaxBundleNameLength} characters");
        }

        if (capacity.Cms is { } cms && (cms.Length > HostCapacity.MaxCmsEndpointLength || !Shared.Metadata.CmsEndpoint.TryParse(cms, out _, out _)))
        {
            throw new ClusterRequestException($"a heartbeat's CMS endpoint must be HOST:PORT of at most {HostCapacity.MaxCmsEndpointLength} characters");
        }
    }

    /// <summary>Marks silent hosts down and records the manager's own heartbeat, every half interval.</summary>
    private async Task MonitorAsync()
    {
        var period = _options.HeartbeatInterval / 2;
        using var timer = new PeriodicTimer(period < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : period, _time);
        var nextOwnHeartbeat = DateTimeOffset.MinValue;
        try
        {
            do
            {
                try
                {
                    var now = _time.GetUtcNow();
                    if (now >= nextOwnHeartbeat)
                    {
                        await HeartbeatAsync(Name, _probe.Read(), _stopping.Token);
                        await RefreshManagersAsync(_stopping.Token);
                        nextOwnHeartbeat = now + _options.HeartbeatInterval;
                    }

                    // Only the leader marks hosts down (on etcd several managers share the store, and the leader watches
                    // lease expiries instead: LeadAsync); a follower keeps its own heartbeat.
                    foreach (var name in _leads() && _store is not Etcd.IHostLiveness ? await _store.MarkDownAsync(now - _options.DownAfter, _stopping.Token) : [])
                    {
                        ClusterLog.HostDown(_logger, name, _options.DownAfter.TotalSeconds);
                    }
                }
                catch (ClusterException ex)
                {
                    ClusterLog.HandlerFailed(_logger, "monitor", Name, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static ClusterHostInfo Describe(ClusterHostRecord host) => new()
    {
        Name = host.Name,
        Role = host.Role,
        State = host.State,
        Endpoint = host.Endpoint,
        JoinedAt = host.JoinedAt,
        LastHeartbeatAt = host.LastHeartbeatAt,
        Serial = host.Serial,
        Capacity = host.Capacity,
    };

    /// <summary>Signs the revocation list of <paramref name="state"/>, writes crl.pem and reads it back as the hosts will.</summary>
    private static RevocationList Publish(RevocationState state, CertificateAuthority ca, ClusterFiles files, DateTimeOffset now)
    {
        var der = ca.BuildCrl(state.Entries.Select(e => (e.Serial, e.RevokedAt)), state.Number, now);
        var list = RevocationList.FromDer(der, ca.Certificate);
        ClusterFiles.WritePublic(files.Crl, list.Pem);
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _monitor;
        _joinLimiter.Dispose();
        _store.Dispose();
        _ca.Dispose();
        _revocationGate.Dispose();
        _stopping.Dispose();
    }
}
