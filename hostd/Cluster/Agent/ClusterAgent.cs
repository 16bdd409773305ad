using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Agent;

/// <summary>
/// A member's link to its manager: one mutual-TLS JSON-RPC connection, kept open (reconnecting with a growing pause
/// up to <see cref="ClusterLimits.MaxReconnectDelay"/>), on which it says hello and then sends a heartbeat every
/// <see cref="ClusterOptions.HeartbeatInterval"/>. The manager pushes revocation lists on it; a heartbeat's answer
/// carries the list number, so a missed push is fetched. A member whose own certificate is revoked stops.
/// </summary>
internal sealed class ClusterAgent : IAsyncDisposable
{
    private static readonly TimeSpan s_firstReconnectDelay = TimeSpan.FromMilliseconds(200);

    private readonly ClusterTransport _transport;
    private readonly ClusterRpc _rpc;
    private readonly Lock _membershipLock = new();
    private readonly Func<PromoteMessage, Task> _promote;
    private ClusterMembership _membership;
    private ManagerAddress? _current;
    private int _promoted;
    private readonly ClusterFiles _files;
    private readonly ClusterOptions _options;
    private readonly HostCapacityProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _applyLock = new();
    private Task _loop = Task.CompletedTask;
    private JsonRpcPeer? _peer;
    private string? _lastError;
    private DateTimeOffset? _lastHeartbeatAt;
    private int _revoked;

    public ClusterAgent(ClusterTransport transport, ClusterRpc rpc, ClusterMembership membership, ClusterFiles files, ClusterOptions options, HostCapacityProbe probe, TimeProvider time, ILogger logger, Func<PromoteMessage, Task> promote)
    {
        _promote = promote;
        _transport = transport;
        _rpc = rpc;
        _membership = membership;
        _files = files;
        _options = options;
        _probe = probe;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether the connection to the manager is up.</summary>
    public bool Connected => Volatile.Read(ref _peer) is { Completion.IsCompleted: false };

    public DateTimeOffset? LastHeartbeatAt => _lastHeartbeatAt;

    public string? LastError => _lastError;

    /// <summary>True once this host's own certificate is revoked (it was removed): the agent has stopped.</summary>
    public bool Revoked => Volatile.Read(ref _revoked) != 0;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Every manager this host knows, in the order it tries them (cluster.json, updated by the managers' answers).</summary>
    public IReadOnlyList<ManagerAddress> Managers
    {
        get
        {
            lock (_membershipLock)
            {
                return _membership.ManagerList();
            }
        }
    }

    /// <summary>The same, the manager this host's heartbeats reach now first: a relayed call tries it before the others.</summary>
    public IReadOnlyList<ManagerAddress> ManagersCurrentFirst
        => Volatile.Read(ref _current) is { } current ? [.. Managers.OrderBy(m => HostNames.Same(m.Name, current.Name) ? 0 : 1)] : Managers;

    /// <summary>The manager the agent is connected to (or last tried).</summary>
    private string ManagerText => Volatile.Read(ref _current) is { } current ? $"{current.Name} at {current.Endpoint}" : $"{_membership.ManagerName} at {_membership.Manager}";

    /// <summary>The manager asks this host to become a manager too (<c>cluster add-manager</c>).</summary>
    public async Task PromoteAsync(PromoteMessage message)
    {
        // cluster.json is the promotion's from now on (unless it is refused).
        Volatile.Write(ref _promoted, 1);
        try
        {
            await _promote(message);
        }
        catch
        {
            Volatile.Write(ref _promoted, 0);
            throw;
        }
    }

    /// <summary>Keeps the managers' list a manager sent (when it differs), in cluster.json too, for the next start.</summary>
    private void UpdateManagers(ManagerAddress[]? managers)
    {
        if (managers is not { Length: > 0 and <= ManagerAddress.MaxManagers } || managers.Any(m => !HostNames.IsValid(m.Name) || string.IsNullOrEmpty(m.Endpoint)))
        {
            return;
        }

        lock (_membershipLock)
        {
            if (Volatile.Read(ref _promoted) != 0 || _membership.ManagerList().SequenceEqual(managers))
            {
                return;
            }

            _membership = _membership with { Managers = managers };
            _files.WriteMembership(_membership);
        }
    }

    /// <summary>The manager's host list, asked over the agent's connection.</summary>
    /// <exception cref="ClusterUnreachableException">Not connected to the manager.</exception>
    public Task<ClusterHostInfo[]> HostsAsync(CancellationToken cancellationToken)
        => CallManagerAsync<ClusterHostInfo[]>(ClusterMethods.ManagerHosts, null, ClusterLimits.CallTimeout, cancellationToken);

    /// <summary>Calls a <c>manager.*</c> method over the agent's connection, bounded by <paramref name="timeout"/>.</summary>
    /// <exception cref="ClusterUnreachableException">Not connected to the manager, or it did not answer in time.</exception>
    /// <exception cref="ClusterException">The manager refused (its error, as <see cref="ClusterErrors.FromRemote"/> maps it).</exception>
    public async Task<T> CallManagerAsync<T>(string method, object? arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var peer = Volatile.Read(ref _peer);
        if (peer is null || peer.Completion.IsCompleted)
        {
            throw new ClusterUnreachableException($"not connected to a manager (tried {string.Join(", ", Managers.Select(m => $"{m.Name} at {m.Endpoint}"))}){(_lastError is null ? "" : $" ({_lastError})")}");
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            return await peer.InvokeAsync<T>(method, arguments, bound.Token);
        }
        catch (RemoteInvocationException ex)
        {
            throw ClusterErrors.FromRemote(ex, $"the manager {ManagerText}");
        }
        catch (Exception ex) when (ex is ConnectionLostException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnreachableException($"the manager {ManagerText} did not answer: {ex.Message}", ex);
        }
    }

    /// <summary>Puts a revocation list from the manager in force when it is newer and signed by the CA; saves it as crl.pem.</summary>
    public void Apply(RevocationListMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Crl is null || message.Crl.Length > RevocationListMessage.MaxCrlChars)
        {
            return;
        }

        RevocationList list;
        try
        {
            list = RevocationList.FromPem(message.Crl, _transport.Identity.Ca);
        }
        catch (ClusterRefusedException ex)
        {
            ClusterLog.PeerRefused(_logger, Volatile.Read(ref _current)?.Endpoint ?? "manager", $"a revocation list: {ex.Message}", 0);
            return;
        }

        lock (_applyLock)
        {
            // Saved before it takes force (and only when newer), so a restart never goes back to an older list.
            if (list.Number <= _transport.Revocations.Number)
            {
                return;
            }

            ClusterFiles.WritePublic(_files.Crl, list.Pem);
            _transport.ApplyRevocations(list);
        }

        ClusterLog.RevocationsApplied(_logger, list.Number, list.Serials.Count);
        if (list.IsRevoked(_transport.Identity.Serial))
        {
            MarkRevoked();
        }
    }

    private void MarkRevoked()
    {
        if (Interlocked.Exchange(ref _revoked, 1) == 0)
        {
            _lastError = "this host was removed from the cluster (its certificate is revoked)";
            ClusterLog.ThisHostRevoked(_logger, _transport.Identity.Serial);
            _stopping.Cancel();
        }
    }

    /// <summary>
    /// Keeps a connection to one of the managers: the next in the list after one is lost or unreachable; a pause that
    /// grows only once every manager has been tried.
    /// </summary>
    private async Task RunAsync()
    {
        var delay = s_firstReconnectDelay;
        var index = 0;
        var failed = 0;
        while (!_stopping.IsCancellationRequested)
        {
            var managers = Managers;
            var manager = managers[index % managers.Count];
            Volatile.Write(ref _current, manager);
            try
            {
                var endPoint = ClusterTransport.ParseEndPoint(manager.Endpoint, "manager");
                await using var connection = await _transport.ConnectAsync(endPoint, manager.Name, ClusterProtocols.Rpc, _stopping.Token);
                await using var peer = _rpc.Connect(connection, p => p.AddLocalRpcTarget(new AgentRpcTarget(this)));
                await HelloAsync(peer);
                Volatile.Write(ref _peer, peer);
                _lastError = null;
                delay = s_firstReconnectDelay;
                failed = 0;
                ClusterLog.ManagerConnected(_logger, manager.Name, manager.Endpoint);
                await HeartbeatsAsync(peer);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ClusterException or RemoteInvocationException or ConnectionLostException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                if (ex is ClusterRefusedException or RemoteInvocationException { ErrorCode: ClusterErrorCodes.Refused })
                {
                    // The manager says this host is no member (removed while it was away): nothing to retry.
                    MarkRevoked();
                    return;
                }

                var reason = ex is OperationCanceledException ? "the manager did not answer in time" : ex.Message;
                if (reason != _lastError)
                {
                    ClusterLog.ManagerLost(_logger, manager.Endpoint, reason);
                }

                _lastError = reason;
                failed++;
                index++;
                if (managers.Count > 1)
                {
                    var next = managers[index % managers.Count];
                    Etcd.EtcdLog.ManagerFailover(_logger, manager.Name, reason, next.Name);
                }
            }
            finally
            {
                Volatile.Write(ref _peer, null);
            }

            if (Revoked)
            {
                return;
            }

            // The next manager at once; the growing pause once all of them failed in a row.
            var pause = failed > 0 && failed % managers.Count == 0 ? delay : s_firstReconnectDelay;
            try
            {
                await Task.Delay(pause, _time, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (pause == delay)
            {
                delay = delay * 2 > ClusterLimits.MaxReconnectDelay ? ClusterLimits.MaxReconnectDelay : delay * 2;
            }
        }
    }

    private async Task HelloAsync(JsonRpcPeer peer)
    {
        using var bound = Bound();
        var hello = await peer.InvokeAsync<HelloResult>(
            ClusterMethods.ManagerHello,
            new HostHello { Capacity = _probe.Read(), CrlNumber = _transport.Revocations.Number },
            bound.Token);
        _lastHeartbeatAt = _time.GetUtcNow();
        UpdateManagers(hello.Managers);
        if (hello.Revocations is { } revocations)
        {
            Apply(revocations);
        }
    }

    private async Task HeartbeatsAsync(JsonRpcPeer peer)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        while (await timer.WaitForNextTickAsync(_stopping.Token))
        {
            using var bound = Bound();
            var answer = await peer.InvokeAsync<HeartbeatResult>(ClusterMethods.ManagerHeartbeat, new HostHeartbeat { Capacity = _probe.Read() }, bound.Token);
            _lastHeartbeatAt = _time.GetUtcNow();
            UpdateManagers(answer.Managers);
            if (answer.CrlNumber > _transport.Revocations.Number)
            {
                Apply(await peer.InvokeAsync<RevocationListMessage>(ClusterMethods.ManagerRevocations, cancellationToken: bound.Token));
            }
        }
    }

    private CancellationTokenSource Bound()
    {
        var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        bound.CancelAfter(ClusterLimits.CallTimeout);
        return bound;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        await _loop;
        _stopping.Dispose();
    }
}
