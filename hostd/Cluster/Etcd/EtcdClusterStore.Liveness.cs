using System.Collections.Concurrent;
using Etcdserverpb;
using Grpc.Core;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Host liveness by leases: <c>alive/NAME</c> under a per-host lease, kept alive by heartbeats, watched by the leader.</summary>
/// <remarks>etcd v3 Lease (LeaseGrant, LeaseKeepAlive) and Watch: https://etcd.io/docs/v3.4/learning/api/#lease-api, #watch-api.</remarks>
public sealed partial class EtcdClusterStore : IHostLiveness
{
    private const string Alive = "alive";

    /// <summary>The lease this manager keeps alive per host (a host that fails over to another manager gets a new one there).</summary>
    private readonly ConcurrentDictionary<string, long> _leases = new(StringComparer.Ordinal);

    public async Task KeepAliveAsync(string name, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (_leases.TryGetValue(name, out var lease) && await RenewAsync(lease, cancellationToken))
        {
            return;
        }

        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var granted = await _etcd.CallAsync(() => _etcd.Client.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, deadline: EtcdConnection.Deadline(), cancellationToken: cancellationToken), cancellationToken);
        var txn = new TxnRequest();
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(Key(Alive, name)), Value = EtcdConnection.Bytes(name), Lease = granted.ID } });
        await _etcd.TxnAsync(txn, cancellationToken);
        _leases[name] = granted.ID;
    }

    /// <summary>One keep-alive of <paramref name="lease"/>; false when etcd says it has expired.</summary>
    private Task<bool> RenewAsync(long lease, CancellationToken cancellationToken)
        => _etcd.CallAsync(
            async () =>
            {
                try
                {
                    using var call = new Lease.LeaseClient(_etcd.Channel()).LeaseKeepAlive(deadline: EtcdConnection.Deadline(), cancellationToken: cancellationToken);
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken);
                    await call.RequestStream.CompleteAsync();
                    return await call.ResponseStream.MoveNext(cancellationToken) && call.ResponseStream.Current.TTL > 0;
                }
                catch (RpcException)
                {
                    _etcd.NextMember();
                    throw;
                }
            },
            cancellationToken);

    public async Task WatchExpiriesAsync(DateTimeOffset silentSince, Action<string> markedDown, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(markedDown);

        // What expired while no leader watched: hosts up without a lease whose last heartbeat is old.
        var read = new TxnRequest();
        read.Success.Add(ReadKind(Hosts));
        read.Success.Add(ReadKind(Alive));
        var snapshot = await _etcd.TxnAsync(read, cancellationToken);
        var alive = snapshot.Responses[1].ResponseRange.Kvs.Select(kv => kv.Key.ToStringUtf8()[Kind(Alive).Length..]).ToHashSet(StringComparer.Ordinal);
        foreach (var host in ParseAll<ClusterHostRecord>(snapshot.Responses[0].ResponseRange.Kvs))
        {
            if (host.State == HostStates.Up && !alive.Contains(host.Name) && !(host.LastHeartbeatAt >= Ms(silentSince)) && await MarkExpiredAsync(host.Name, cancellationToken))
            {
                markedDown(host.Name);
            }
        }

        // Then every expiry from that revision on (a lease's expiry deletes its key: a DELETE event).
        using var watch = new Watch.WatchClient(_etcd.Channel()).Watch(cancellationToken: cancellationToken);
        try
        {
            await watch.RequestStream.WriteAsync(
                new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest
                    {
                        Key = EtcdConnection.Bytes(Kind(Alive)),
                        RangeEnd = EtcdConnection.RangeEnd(Kind(Alive)),
                        StartRevision = snapshot.Header.Revision + 1,
                        Filters = { WatchCreateRequest.Types.FilterType.Noput },
                    },
                },
                cancellationToken);
            while (await watch.ResponseStream.MoveNext(cancellationToken))
            {
                var response = watch.ResponseStream.Current;
                if (response.Canceled || response.CompactRevision > 0)
                {
                    throw new ClusterStoreException($"the cluster store ({_etcd.Description}) cancelled the liveness watch: {response.CancelReason}");
                }

                foreach (var change in response.Events.Where(e => e.Type == Mvccpb.Event.Types.EventType.Delete))
                {
                    var name = change.Kv.Key.ToStringUtf8()[Kind(Alive).Length..];
                    if (await MarkExpiredAsync(name, cancellationToken))
                    {
                        markedDown(name);
                    }
                }
            }

            throw new ClusterStoreException($"the cluster store ({_etcd.Description}) ended the liveness watch");
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            _etcd.NextMember();
            throw _etcd.Failure(ex);
        }
    }

    /// <summary>Marks <paramref name="name"/> down when it is up and has no live lease, in one Txn (a heartbeat in between wins).</summary>
    private Task<bool> MarkExpiredAsync(string name, CancellationToken cancellationToken)
        => CasAsync<bool>(async ct =>
        {
            var kv = await _etcd.GetAsync(Key(Hosts, name), ct);
            if (kv is null || Parse<ClusterHostRecord>(kv) is not { State: HostStates.Up } host || await _etcd.GetAsync(Key(Alive, name), ct) is not null)
            {
                return (null, false);
            }

            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Key(Hosts, name), kv));
            txn.Compare.Add(Unchanged(Key(Alive, name), null));
            txn.Success.Add(Put(Key(Hosts, name), host with { State = HostStates.Down }));
            return (txn, true);
        }, cancellationToken);
}
