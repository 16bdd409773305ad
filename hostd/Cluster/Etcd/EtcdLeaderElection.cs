using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V3Electionpb;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// One manager's part in electing the cluster's leader with etcd's election API (v3election Campaign, Leader, Resign):
/// it grants a lease of <see cref="Ttl"/>, keeps it alive, and campaigns with it; the campaign returns when this manager
/// leads. The lease is the leadership, judged by this manager's own clock: etcd cannot expire the lease before the TTL it
/// last answered has run from the moment that keep-alive was sent, so this manager leads only until that moment plus
/// two thirds of the TTL (<see cref="IsLeader"/> reads the clock; <see cref="Leadership"/> is cancelled when the time
/// runs out unanswered, or etcd says the lease is gone). It stops leading before another manager's campaign can return,
/// however late an answer or a failure arrives (etcd unreachable, no quorum, a partition); then it campaigns again.
/// </summary>
/// <remarks>
/// etcd's election service (server/etcdserver/api/v3election, https://etcd.io/docs/v3.4/dev-guide/api_concurrency_reference_v3/):
/// a campaign creates the key NAME/LEASE-ID under the lease and waits until it is the oldest under NAME.
/// dotnet-etcd warns that a campaign without an explicit, kept-alive lease loses leadership silently; hence the lease.
/// The keep-alive is our own loop on the Lease service's stream (etcd v3 LeaseKeepAlive, https://etcd.io/docs/v3.4/learning/api/#lease-api)
/// rather than the library's: its loop reports a failure only after its own retries and timeouts, and under load that
/// came after the lease had expired and the other manager led (both led at one moment in a full test run); here every
/// answer moves the deadline and nothing else does.
/// </remarks>
public sealed class EtcdLeaderElection : IAsyncDisposable
{
    private readonly EtcdConnection _etcd;
    private readonly string _name;
    private readonly string _value;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _leadership = new();
    private long _validUntil;
    private LeaderKey? _leader;
    private Task? _loop;

    /// <param name="etcd">The connection.</param>
    /// <param name="name">The election's key, e.g. <c>/jumpstart/default/leader</c>.</param>
    /// <param name="value">What this manager proclaims when it leads (its name and cluster endpoint).</param>
    /// <param name="ttl">The lease's time to live (at least 2 s).</param>
    /// <param name="logger">Where leadership changes are logged.</param>
    public EtcdLeaderElection(EtcdConnection etcd, string name, string value, TimeSpan ttl, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromSeconds(2));
        _etcd = etcd;
        _name = name;
        _value = value;
        _logger = logger;
        Ttl = ttl;
        _leadership.Cancel();
    }

    public TimeSpan Ttl { get; }

    /// <summary>Whether this manager leads now: its campaign returned and its lease is surely alive at etcd.</summary>
    public bool IsLeader => !Volatile.Read(ref _leadership).IsCancellationRequested && Stopwatch.GetTimestamp() < Interlocked.Read(ref _validUntil);

    /// <summary>
    /// The election key this manager leads by while it leads, else null: the leader's writes compare it in their Txn
    /// (<see cref="EtcdClusterStore.Fence"/>), so etcd refuses them once the key is gone.
    /// </summary>
    public LeaderKey? Fence => IsLeader ? Volatile.Read(ref _leader) : null;

    /// <summary>Cancelled the moment this manager stops leading (already cancelled while it does not lead).</summary>
    public CancellationToken Leadership => Volatile.Read(ref _leadership).Token;

    /// <summary>
    /// Called (on the election's loop, so it must not block) each time this manager starts leading, with the token that
    /// is cancelled when it stops: the leader's work (the liveness watch, marking interrupted deployments) runs under it.
    /// </summary>
    public Action<CancellationToken>? OnLeading { get; set; }

    /// <summary>Starts campaigning.</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>The value the current leader proclaimed, or null when there is none.</summary>
    /// <exception cref="ClusterStoreException">etcd cannot be reached.</exception>
    public async Task<string?> LeaderAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _etcd.Client.LeaderAsync(new LeaderRequest { Name = EtcdConnection.Bytes(_name) }, deadline: EtcdConnection.Deadline(), cancellationToken: cancellationToken);
            return response.Kv?.Value.ToStringUtf8();
        }
        catch (RpcException ex) when (ex.Status.Detail.Contains("no leader", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            throw _etcd.Failure(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw _etcd.Failure(new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded", ex)));
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            using var lease = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            long leaseId = 0;
            try
            {
                var asked = Stopwatch.GetTimestamp();
                var granted = await _etcd.Client.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)Ttl.TotalSeconds }, deadline: EtcdConnection.Deadline(), cancellationToken: stopping);
                leaseId = granted.ID;
                Interlocked.Exchange(ref _validUntil, ValidUntil(asked, granted.TTL));
                var keepAlive = KeepAliveAsync(leaseId, lease);
                var campaign = await _etcd.Client.CampaignAsync(
                    new CampaignRequest { Name = EtcdConnection.Bytes(_name), Lease = leaseId, Value = EtcdConnection.Bytes(_value) },
                    cancellationToken: lease.Token);
                _leader = campaign.Leader;
                var leadership = CancellationTokenSource.CreateLinkedTokenSource(lease.Token);
                Volatile.Write(ref _leadership, leadership);
                EtcdLog.Leading(_logger, _value, _name);
                OnLeading?.Invoke(leadership.Token);

                // Leads until the lease's keep-alive fails (it cancels `lease`) or hostd stops.
                await Task.WhenAny(keepAlive, Task.Delay(Timeout.Infinite, lease.Token)).ContinueWith(_ => { }, TaskScheduler.Default);
                await leadership.CancelAsync();
                if (!stopping.IsCancellationRequested)
                {
                    EtcdLog.LostLeadership(_logger, _value, _name);
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException)
            {
                await Volatile.Read(ref _leadership).CancelAsync();
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                EtcdLog.CampaignFailed(_logger, _name, ex.Message);
            }
            finally
            {
                await lease.CancelAsync();
                await RevokeAsync(leaseId);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Keeps <paramref name="leaseId"/> alive, a keep-alive every sixth of the TTL on one stream, until an answer does not
    /// come before the lease's time here runs out, etcd says the lease is gone, or the stream fails; then cancels
    /// <paramref name="lease"/> (the campaign and the leadership with it).
    /// </summary>
    private async Task KeepAliveAsync(long leaseId, CancellationTokenSource lease)
    {
        var token = lease.Token;
        try
        {
            using var call = new Lease.LeaseClient(_etcd.Channel()).LeaseKeepAlive(cancellationToken: token);
            while (true)
            {
                var sent = Stopwatch.GetTimestamp();
                var left = Stopwatch.GetElapsedTime(sent, Interlocked.Read(ref _validUntil));
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                using var answered = CancellationTokenSource.CreateLinkedTokenSource(token);
                answered.CancelAfter(left);
                await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, answered.Token);
                if (!await call.ResponseStream.MoveNext(answered.Token) || call.ResponseStream.Current.TTL <= 0)
                {
                    return;
                }

                Interlocked.Exchange(ref _validUntil, ValidUntil(sent, call.ResponseStream.Current.TTL));
                await Task.Delay(Ttl / 6, token);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException or HttpRequestException)
        {
            if (!token.IsCancellationRequested)
            {
                _etcd.NextMember();
            }
        }
        finally
        {
            await lease.CancelAsync();
        }
    }

    /// <summary>
    /// The last moment this manager may act on a lease etcd granted or renewed for <paramref name="ttlSeconds"/> when asked
    /// at <paramref name="asked"/>: two thirds of the TTL (Kubernetes' leader election renews within 10 s of a 15 s lease),
    /// so a third of it lies between this manager stopping and the earliest moment another can lead; a keep-alive every
    /// sixth of the TTL leaves an answer half the TTL to arrive before leadership lapses (1.5 s of a 3 s lease).
    /// </summary>
    private long ValidUntil(long asked, long ttlSeconds)
        => asked + (long)((TimeSpan.FromSeconds(ttlSeconds) - (Ttl / 3)).TotalSeconds * Stopwatch.Frequency);

    /// <summary>Gives the lease back so the next campaign need not wait for it to expire (best effort: it expires anyway).</summary>
    private async Task RevokeAsync(long leaseId)
    {
        if (leaseId == 0)
        {
            return;
        }

        try
        {
            await _etcd.Client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(1));
        }
        catch (RpcException)
        {
            // Unreachable: the lease expires by its TTL.
        }
    }

    /// <summary>Resigns (a follower takes over at once) and stops campaigning.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsLeader && _leader is { } leader)
        {
            await Volatile.Read(ref _leadership).CancelAsync();
            try
            {
                await _etcd.Client.ResignAsync(new ResignRequest { Leader = leader }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(1));
            }
            catch (RpcException)
            {
                // The lease is revoked below or expires.
            }
        }

        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stopping.Dispose();
    }
}
