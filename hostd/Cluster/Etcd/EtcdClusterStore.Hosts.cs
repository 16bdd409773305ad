using System.Security.Cryptography;
using Etcdserverpb;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Hosts, heartbeats and revocations.</summary>
public sealed partial class EtcdClusterStore
{
    private const string Hosts = "hosts";
    private const string Revocations = "revocations";
    private const string CrlCounter = "counters/crl";

    public async Task<IReadOnlyList<ClusterHostRecord>> ListHostsAsync(CancellationToken cancellationToken)
    {
        var read = await SnapshotAsync(cancellationToken, Hosts, Holdings);
        var held = ParseAll<HeldBundles>(read[1]).ToDictionary(h => h.Host, StringComparer.Ordinal);
        return [.. ParseAll<ClusterHostRecord>(read[0]).Select(h => WithBundles(h, held.GetValueOrDefault(h.Name)))];
    }

    public async Task<ClusterHostRecord?> GetHostAsync(string name, CancellationToken cancellationToken)
    {
        var kv = await _etcd.GetAsync(Key(Hosts, name), cancellationToken);
        if (kv is null)
        {
            return null;
        }

        var held = await _etcd.GetAsync(Key(Holdings, name), cancellationToken);
        return WithBundles(Parse<ClusterHostRecord>(kv), held is null ? null : Parse<HeldBundles>(held));
    }

    public async Task PutHostAsync(ClusterHostRecord host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var txn = new TxnRequest();
        txn.Success.Add(Put(Key(Hosts, host.Name), Stored(host)));
        await _etcd.TxnAsync(txn, cancellationToken);
    }

    public Task<AdmitVerdict> AdmitHostAsync(string tokenId, byte[] digest, ClusterHostRecord host, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return CasAsync<AdmitVerdict>(async ct =>
        {
            var tokenKv = await _etcd.GetAsync(Key(Tokens, tokenId), ct);
            if (tokenKv is null || Parse<JoinTokenRecord>(tokenKv) is not { } token || !CryptographicOperations.FixedTimeEquals(token.Digest, digest))
            {
                return (null, AdmitVerdict.UnknownToken);
            }

            if (token.ExpiresAt <= Ms(now))
            {
                return (null, AdmitVerdict.Expired);
            }

            if (token.Used >= token.MaxUses)
            {
                return (null, AdmitVerdict.UsedUp);
            }

            var hostKv = await _etcd.GetAsync(Key(Hosts, host.Name), ct);
            if (hostKv is not null && Parse<ClusterHostRecord>(hostKv).State != HostStates.Removed)
            {
                return (null, AdmitVerdict.NameTaken);
            }

            var count = await _etcd.CallAsync(() => _etcd.Client.GetAsync(
                new RangeRequest { Key = EtcdConnection.Bytes(Kind(Hosts)), RangeEnd = EtcdConnection.RangeEnd(Kind(Hosts)), CountOnly = true },
                deadline: EtcdConnection.Deadline(),
                cancellationToken: ct), ct);
            if (count.Count - (hostKv is null ? 0 : 1) >= ClusterLimits.MaxHosts)
            {
                return (null, AdmitVerdict.Full);
            }

            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Key(Tokens, tokenId), tokenKv));
            txn.Compare.Add(Unchanged(Key(Hosts, host.Name), hostKv));
            txn.Success.Add(Put(Key(Tokens, tokenId), token with { Used = token.Used + 1 }));
            txn.Success.Add(Put(Key(Hosts, host.Name), Stored(host)));
            return (txn, AdmitVerdict.Admitted);
        }, cancellationToken);
    }

    public Task<HeartbeatOutcome> RecordHeartbeatAsync(string name, HostCapacity capacity, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return CasAsync<HeartbeatOutcome>(async ct =>
        {
            var kv = await _etcd.GetAsync(Key(Hosts, name), ct);
            if (kv is null)
            {
                return (null, HeartbeatOutcome.Unknown);
            }

            var host = Parse<ClusterHostRecord>(kv);
            if (host.State == HostStates.Removed)
            {
                return (null, HeartbeatOutcome.Removed);
            }

            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Key(Hosts, name), kv));
            txn.Success.Add(Put(Key(Hosts, name), Stored(host with { State = HostStates.Up, LastHeartbeatAt = at, Capacity = capacity })));
            return (txn, host.State == HostStates.Up ? HeartbeatOutcome.Recorded : HeartbeatOutcome.CameUp);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> MarkDownAsync(DateTimeOffset silentSince, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var hosts = await _etcd.RangeAsync(Kind(Hosts), cancellationToken);
        var silent = ParseAll<ClusterHostRecord>(hosts.Kvs).Where(h => h.State == HostStates.Up && !(h.LastHeartbeatAt >= Ms(silentSince)));

        // Each candidate is marked down by its own CAS: a heartbeat recorded in between (by any manager) wins.
        foreach (var name in silent.Select(h => h.Name))
        {
            var marked = await CasAsync<bool>(async ct =>
            {
                var kv = await _etcd.GetAsync(Key(Hosts, name), ct);
                if (kv is null || Parse<ClusterHostRecord>(kv) is not { State: HostStates.Up } host || (host.LastHeartbeatAt is { } last && last >= Ms(silentSince)))
                {
                    return (null, false);
                }

                var txn = new TxnRequest();
                txn.Compare.Add(Unchanged(Key(Hosts, name), kv));
                txn.Success.Add(Put(Key(Hosts, name), host with { State = HostStates.Down }));
                return (txn, true);
            }, cancellationToken);
            if (marked)
            {
                names.Add(name);
            }
        }

        return names;
    }

    public async Task<RevocationState?> RemoveHostAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var removed = await CasAsync<bool>(async ct =>
        {
            var kv = await _etcd.GetAsync(Key(Hosts, name), ct);
            if (kv is null || Parse<ClusterHostRecord>(kv) is not { } host || host.State == HostStates.Removed)
            {
                return (null, false);
            }

            var counter = await _etcd.GetAsync(Prefix + CrlCounter, ct);
            var number = counter is null ? 0 : Parse<long>(counter);
            var revocationKey = Key(Revocations, host.Serial);
            var existing = await _etcd.GetAsync(revocationKey, ct);
            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Key(Hosts, name), kv));
            txn.Compare.Add(Unchanged(Prefix + CrlCounter, counter));
            txn.Compare.Add(Unchanged(revocationKey, existing));
            txn.Success.Add(Put(Key(Hosts, name), host with { State = HostStates.Removed }));
            txn.Success.Add(Delete(Key(Holdings, name)));
            if (existing is null)
            {
                txn.Success.Add(Put(revocationKey, new RevocationRecord(host.Serial, name, Ms(at))));
            }

            txn.Success.Add(Put(Prefix + CrlCounter, number + 1));
            return (txn, true);
        }, cancellationToken);
        return removed ? await GetRevocationsAsync(cancellationToken) : null;
    }

    public async Task<RevocationState> GetRevocationsAsync(CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Success.Add(ReadKind(Revocations));
        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdConnection.Bytes(Prefix + CrlCounter) } });
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        var counter = response.Responses[1].ResponseRange.Kvs;
        var entries = ParseAll<RevocationRecord>(response.Responses[0].ResponseRange.Kvs)
            .OrderBy(r => r.RevokedAt)
            .ThenBy(r => r.Serial, StringComparer.Ordinal)
            .ToList();
        return new RevocationState(counter.Count == 0 ? 0 : Parse<long>(counter[0]), entries);
    }

    /// <summary>Writes revocations and the list number as another store kept them (<see cref="ClusterStoreMigration"/>).</summary>
    public async Task ImportRevocationsAsync(RevocationState revocations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        foreach (var chunk in revocations.Entries.Chunk(MaxForgottenPerTxn))
        {
            var txn = new TxnRequest();
            txn.Success.AddRange(chunk.Select(r => Put(Key(Revocations, r.Serial), r with { RevokedAt = Ms(r.RevokedAt) })));
            await _etcd.TxnAsync(txn, cancellationToken);
        }

        var counter = new TxnRequest();
        counter.Success.Add(Put(Prefix + CrlCounter, revocations.Number));
        await _etcd.TxnAsync(counter, cancellationToken);
    }

    /// <summary>As kept: times to the millisecond, the bundle list (kept under holdings/) left out.</summary>
    private static ClusterHostRecord Stored(ClusterHostRecord host) => host with
    {
        JoinedAt = Ms(host.JoinedAt),
        LastHeartbeatAt = Ms(host.LastHeartbeatAt),
        Capacity = host.Capacity is { } capacity ? capacity with { Bundles = [] } : null,
    };

    private static ClusterHostRecord WithBundles(ClusterHostRecord host, HeldBundles? held)
        => host.Capacity is { } capacity
            ? host with { Capacity = capacity with { Bundles = [.. (held?.Bundles ?? []).Select(b => b.Bundle).Order(StringComparer.Ordinal)] } }
            : host;
}
