using System.Globalization;
using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>
/// The CMS's state on etcd v3, shared by the CMS of every manager of a cluster, so a clone may register with any of them
/// and get the same answer. Under <c>PREFIX cms/</c>: <c>deployments/ID</c> (policy and role templates),
/// <c>instances/ID/INSTANCE</c> (one JSON row per waiting-list entry) and <c>arrivals/ID</c> (the last arrival number).
/// Every first registration of a deployment rewrites <c>arrivals/ID</c> in a Txn that holds only if that key was not
/// rewritten after the revision the decision was made on: two CMS deciding at once cannot both commit, so there is exactly
/// one master and a role is given once; the loser's Txn reads what changed instead. Other CMS's changes arrive through one
/// watch on <c>instances/</c>.
/// </summary>
/// <remarks>
/// etcd v3 Txn and Watch: https://etcd.io/docs/v3.5/learning/api/. A deployment is created in several Txns (etcd allows 128
/// operations per Txn by default: <c>--max-txn-ops</c>); it is invisible until its key says <c>complete</c>.
/// </remarks>
internal sealed class EtcdCmsStore : ICmsStore
{
    /// <summary>Operations per Txn, under etcd's default <c>--max-txn-ops</c> of 128.</summary>
    public const int MaxOpsPerTxn = 100;

    /// <summary>How often a compare-and-swap on one instance row is retried under contention.</summary>
    public const int MaxAttempts = 64;

    private readonly EtcdConnection _etcd;
    private readonly bool _ownsConnection;
    private readonly string _prefix;
    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeploymentRecord> _deployments = new(StringComparer.Ordinal);
    private long _watchId = -1;

    /// <summary>Most deployments whose (immutable) record is kept in memory.</summary>
    public const int MaxCachedDeployments = 4096;

    public EtcdCmsStore(EtcdConnection etcd, string clusterPrefix, bool ownsConnection = false)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentException.ThrowIfNullOrEmpty(clusterPrefix);
        _etcd = etcd;
        _ownsConnection = ownsConnection;
        _prefix = (clusterPrefix.EndsWith('/') ? clusterPrefix : clusterPrefix + "/") + "cms/";
    }

    public bool Shared => true;

    public int MaxRegistrationBatch => MaxOpsPerTxn;

    public Func<InstanceRecord, Task>? InstanceCommitted { get; set; }

    public Action<string>? DeploymentRemoved { get; set; }

    private string DeploymentKey(string deploymentId) => $"{_prefix}deployments/{deploymentId}";

    private string ArrivalsKey(string deploymentId) => $"{_prefix}arrivals/{deploymentId}";

    private string InstancesPrefix(string deploymentId) => $"{_prefix}instances/{deploymentId}/";

    private string InstanceKey(string deploymentId, string instanceId) => InstancesPrefix(deploymentId) + instanceId;

    /// <summary>Starts the watch that reports other CMS's changes (after the callbacks are set).</summary>
    /// <exception cref="ClusterStoreException">etcd cannot be reached.</exception>
    public async Task StartWatchingAsync(CancellationToken cancellationToken)
    {
        var instances = _prefix + "instances/";
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = EtcdConnection.Bytes(instances), RangeEnd = EtcdConnection.RangeEnd(instances) },
        };
        _watchId = await _etcd.CallAsync(() => _etcd.Client.WatchAsync(request, OnWatch, cancellationToken: _stopping.Token), cancellationToken);
    }

    private void OnWatch(WatchResponse response)
    {
        foreach (var change in response.Events)
        {
            var key = change.Kv.Key.ToStringUtf8();
            if (change.Type == Mvccpb.Event.Types.EventType.Delete)
            {
                var rest = key[(_prefix.Length + "instances/".Length)..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var removed = slash < 0 ? rest : rest[..slash];
                _deployments.TryRemove(removed, out _);
                DeploymentRemoved?.Invoke(removed);
                continue;
            }

            InstanceRecord row;
            try
            {
                row = Row(change.Kv);
            }
            catch (CmsStoreException)
            {
                continue;
            }

            if (InstanceCommitted is { } observer)
            {
                _ = observer(row);
            }
        }
    }

    public async Task<bool> CreateDeploymentAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var key = DeploymentKey(spec.DeploymentId);
        var stored = new StoredDeployment { Policy = spec.Policy, Roles = new Dictionary<string, RoleConfiguration>(spec.Roles), CreatedAt = DateTimeOffset.UtcNow };

        // 1. Claim the id (invisible while incomplete); leftovers of an id deleted before are cleared in the same Txn.
        var claim = new TxnRequest();
        claim.Compare.Add(new Compare { Key = EtcdConnection.Bytes(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        claim.Success.Add(Put(key, stored));
        claim.Success.Add(DeleteRange(InstancesPrefix(spec.DeploymentId)));
        var claimed = await _etcd.TxnAsync(claim, cancellationToken);
        if (!claimed.Succeeded)
        {
            return false;
        }

        // 2. The waiting list, in Txns that each hold only while the claim is ours.
        var revision = claimed.Header.Revision;
        foreach (var chunk in spec.Instances.Chunk(MaxOpsPerTxn))
        {
            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(key, revision));
            foreach (var expected in chunk)
            {
                txn.Success.Add(Put(InstanceKey(spec.DeploymentId, expected.InstanceId), new InstanceRecord
                {
                    DeploymentId = spec.DeploymentId,
                    InstanceId = expected.InstanceId,
                    TokenDigest = TokenHash.Compute(expected.Token),
                    Rank = expected.Rank,
                }));
            }

            if (!(await _etcd.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                throw new CmsStoreException($"deployment '{spec.DeploymentId}' was deleted while it was being created");
            }
        }

        // 3. Visible.
        var complete = new TxnRequest();
        complete.Compare.Add(Unchanged(key, revision));
        complete.Success.Add(Put(key, stored with { Complete = true }));
        complete.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(ArrivalsKey(spec.DeploymentId)), Value = EtcdConnection.Bytes("0") } });
        if (!(await _etcd.TxnAsync(complete, cancellationToken)).Succeeded)
        {
            throw new CmsStoreException($"deployment '{spec.DeploymentId}' was deleted while it was being created");
        }

        return true;
    }

    public async Task<bool> DeleteDeploymentAsync(string deploymentId, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Success.Add(DeleteRange(DeploymentKey(deploymentId), single: true));
        txn.Success.Add(DeleteRange(InstancesPrefix(deploymentId)));
        txn.Success.Add(DeleteRange(ArrivalsKey(deploymentId), single: true));
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        var deleted = response.Responses[0].ResponseDeleteRange.Deleted > 0;
        _deployments.TryRemove(deploymentId, out _);
        if (deleted)
        {
            DeploymentRemoved?.Invoke(deploymentId);
        }

        return deleted;
    }

    /// <remarks>
    /// A complete deployment never changes until deleted, so it is kept in memory; a deletion (this CMS's, or another's
    /// seen through the watch) forgets it.
    /// </remarks>
    public async Task<DeploymentRecord?> GetDeploymentAsync(string deploymentId, CancellationToken cancellationToken)
    {
        if (_deployments.TryGetValue(deploymentId, out var cached))
        {
            return cached;
        }

        var deployment = await _etcd.GetAsync(DeploymentKey(deploymentId), cancellationToken) is { } kv ? Deployment(deploymentId, kv) : null;
        if (deployment is not null && _deployments.Count < MaxCachedDeployments)
        {
            _deployments[deploymentId] = deployment;
        }

        return deployment;
    }

    public async Task<IReadOnlyList<(DeploymentRecord Deployment, DeploymentCounts Counts)>> ListDeploymentsAsync(CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Success.Add(Range(_prefix + "deployments/"));
        txn.Success.Add(Range(_prefix + "instances/"));
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        var rows = response.Responses[1].ResponseRange.Kvs.Select(Row).ToLookup(r => r.DeploymentId, StringComparer.Ordinal);
        var list = new List<(DeploymentRecord, DeploymentCounts)>();
        foreach (var kv in response.Responses[0].ResponseRange.Kvs)
        {
            var id = kv.Key.ToStringUtf8()[(_prefix.Length + "deployments/".Length)..];
            if (Deployment(id, kv) is not { } deployment)
            {
                continue;
            }

            var instances = rows[id].ToList();
            list.Add((deployment, new DeploymentCounts(
                instances.Count,
                instances.Count(i => i.IsRegistered),
                instances.Count(i => i.Phase == InstancePhase.Ready),
                instances.Count(i => i.Phase == InstancePhase.Failed))));
        }

        return [.. list.OrderBy(d => d.Item1.DeploymentId, StringComparer.Ordinal)];
    }

    /// <remarks>
    /// One round trip either way: the Txn stores the batch if <c>arrivals/ID</c> was not rewritten after
    /// <paramref name="basedOn"/>, and otherwise reads, at the same revision, the rows changed after it (etcd's
    /// <c>min_mod_revision</c> filter) for the caller to decide again on. A first batch (<paramref name="basedOn"/> 0) is
    /// always refused and so reads the whole waiting list once; later batches read nothing.
    /// </remarks>
    public async Task<RegistrationOutcome> RegisterAsync(string deploymentId, IReadOnlyList<Registration> registrations, long basedOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        if (registrations.Count > MaxOpsPerTxn)
        {
            throw new ArgumentOutOfRangeException(nameof(registrations), $"at most {MaxOpsPerTxn} registrations per Txn");
        }

        var now = DateTimeOffset.UtcNow;
        var rows = registrations.Select(r => r.Row with
        {
            Hostname = r.Hostname,
            Addresses = r.Addresses,
            Role = r.Role,
            Variables = r.Variables,
            Phase = InstancePhase.Registered,
            RegisteredAt = now,
            UpdatedAt = now,
        }).ToList();
        var arrivals = EtcdConnection.Bytes(ArrivalsKey(deploymentId));
        var txn = new TxnRequest();

        // The deployment exists (a deleted one's key is gone, and a missing key's mod revision compares as 0) ...
        txn.Compare.Add(new Compare { Key = arrivals, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 0 });

        // ... and no first registration was stored after basedOn.
        txn.Compare.Add(new Compare { Key = arrivals, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Less, ModRevision = basedOn + 1 });
        foreach (var row in rows)
        {
            txn.Success.Add(Put(InstanceKey(deploymentId, row.InstanceId), row));
        }

        var last = rows.Max(r => r.Arrival ?? 0);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = arrivals, Value = EtcdConnection.Bytes(last.ToString(CultureInfo.InvariantCulture)) } });
        var changedSince = InstancesPrefix(deploymentId);
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdConnection.Bytes(changedSince), RangeEnd = EtcdConnection.RangeEnd(changedSince), MinModRevision = basedOn + 1 } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = arrivals, CountOnly = true } });
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        if (!response.Succeeded)
        {
            return response.Responses[1].ResponseRange.Count == 0
                ? new RegistrationOutcome(null, [], response.Header.Revision, DeploymentGone: true)
                : new RegistrationOutcome(null, [.. response.Responses[0].ResponseRange.Kvs.Select(Row)], response.Header.Revision);
        }

        var committed = rows.Select(r => r with { Revision = response.Header.Revision }).ToList();
        await NotifyAsync(committed);
        return new RegistrationOutcome(committed, [], response.Header.Revision);
    }

    public Task<InstanceRecord?> UpdateIdentityAsync(string deploymentId, string instanceId, string hostname, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
        => UpdateRegisteredAsync(deploymentId, instanceId, r => r with { Hostname = hostname, Addresses = addresses }, cancellationToken);

    public Task<InstanceRecord?> ReportAsync(string deploymentId, string instanceId, string phase, string? detail, CancellationToken cancellationToken)
        => UpdateRegisteredAsync(deploymentId, instanceId, r => r with { Phase = phase, Detail = detail }, cancellationToken);

    public Task<InstanceRecord?> HeartbeatAsync(string deploymentId, string instanceId, CancellationToken cancellationToken)
        => UpdateRegisteredAsync(deploymentId, instanceId, r => r with { LastHeartbeat = DateTimeOffset.UtcNow }, cancellationToken);

    public async Task<InstanceRecord?> GetInstanceAsync(string deploymentId, string instanceId, CancellationToken cancellationToken)
        => await _etcd.GetAsync(InstanceKey(deploymentId, instanceId), cancellationToken) is { } kv ? Row(kv) : null;

    public async Task<IReadOnlyList<InstanceRecord>> GetInstancesAsync(string deploymentId, CancellationToken cancellationToken)
        => Ordered((await _etcd.RangeAsync(InstancesPrefix(deploymentId), cancellationToken)).Kvs.Select(Row));

    /// <summary>Changes a registered row by compare-and-swap on its mod revision.</summary>
    private async Task<InstanceRecord?> UpdateRegisteredAsync(string deploymentId, string instanceId, Func<InstanceRecord, InstanceRecord> change, CancellationToken cancellationToken)
    {
        var key = InstanceKey(deploymentId, instanceId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await _etcd.GetAsync(key, cancellationToken) is not { } kv)
            {
                return null;
            }

            var current = Row(kv);
            if (!current.IsRegistered)
            {
                return null;
            }

            var updated = change(current) with { UpdatedAt = DateTimeOffset.UtcNow };
            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(key, kv.ModRevision));
            txn.Success.Add(Put(key, updated));
            var response = await _etcd.TxnAsync(txn, cancellationToken);
            if (response.Succeeded)
            {
                var committed = updated with { Revision = response.Header.Revision };
                await NotifyAsync([committed]);
                return committed;
            }

            await Task.Delay(Random.Shared.Next(1, 5 + attempt), cancellationToken);
        }

        throw new ClusterStoreException($"the CMS row {key} ({_etcd.Description}) changed under {MaxAttempts} attempts in a row; try again");
    }

    private async Task NotifyAsync(IReadOnlyList<InstanceRecord> rows)
    {
        if (InstanceCommitted is { } observer)
        {
            foreach (var row in rows)
            {
                await observer(row);
            }
        }
    }

    private static List<InstanceRecord> Ordered(IEnumerable<InstanceRecord> rows)
        => [.. rows.OrderBy(r => r.Arrival ?? long.MaxValue).ThenBy(r => r.InstanceId, StringComparer.Ordinal)];

    private static Compare Unchanged(string key, long modRevision) => new()
    {
        Key = EtcdConnection.Bytes(key),
        Target = Compare.Types.CompareTarget.Mod,
        Result = Compare.Types.CompareResult.Equal,
        ModRevision = modRevision,
    };

    private static RequestOp Put<T>(string key, T value)
        => new() { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(key), Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, CmsJson.Options)) } };

    private static RequestOp Range(string prefix)
        => new() { RequestRange = new RangeRequest { Key = EtcdConnection.Bytes(prefix), RangeEnd = EtcdConnection.RangeEnd(prefix) } };

    private static RequestOp DeleteRange(string key, bool single = false)
        => new() { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(key), RangeEnd = single ? ByteString.Empty : EtcdConnection.RangeEnd(key) } };

    private DeploymentRecord? Deployment(string deploymentId, Mvccpb.KeyValue kv)
    {
        var stored = Parse<StoredDeployment>(kv);
        return stored.Complete ? new DeploymentRecord(deploymentId, stored.Policy, stored.Roles, stored.CreatedAt) : null;
    }

    private InstanceRecord Row(Mvccpb.KeyValue kv) => Parse<InstanceRecord>(kv) with { Revision = kv.ModRevision };

    /// <exception cref="CmsStoreException">The value is not the JSON this version writes.</exception>
    private T Parse<T>(Mvccpb.KeyValue kv)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(kv.Value.Span, CmsJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new CmsStoreException($"the CMS store ({_etcd.Description}) holds a damaged value at {kv.Key.ToStringUtf8()}: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        // The watch is cancelled first: cancelling its stream's token before makes dotnet-etcd report a failed stream.
        if (_watchId >= 0)
        {
            try
            {
                _etcd.Client.CancelWatch(_watchId);
            }
#pragma warning disable CA1031 // Best effort at shutdown: the connection may already be gone.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        _stopping.Cancel();
        if (_ownsConnection)
        {
            _etcd.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>The value of <c>deployments/ID</c>.</summary>
    private sealed record StoredDeployment
    {
        public required PolicySpec Policy { get; init; }

        public Dictionary<string, RoleConfiguration> Roles { get; init; } = [];

        public DateTimeOffset CreatedAt { get; init; }

        /// <summary>False while its waiting list is being written: the deployment does not exist yet for callers.</summary>
        public bool Complete { get; init; }
    }
}
