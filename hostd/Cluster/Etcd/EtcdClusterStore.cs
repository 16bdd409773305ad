using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// <see cref="IClusterStore"/> on etcd v3, for several managers: every record is one JSON value under
/// <see cref="Prefix"/> (<c>hosts/NAME</c>, <c>tokens/ID</c>, <c>revocations/SERIAL</c>, <c>counters/crl</c>,
/// <c>deployments/ID</c>, <c>placements/ID</c>, <c>holdings/HOST</c>). A method that reads and then writes does so in one
/// Txn whose compares are the mod revisions it read (compare-and-swap); when another manager changed a key in between,
/// the Txn fails and the method reads again (<see cref="MaxAttempts"/> times).
/// </summary>
/// <remarks>etcd v3 Txn: https://etcd.io/docs/v3.4/learning/api/#transaction (a missing key's mod revision is 0).</remarks>
public sealed partial class EtcdClusterStore : IClusterStore
{
    /// <summary>How often a compare-and-swap is retried under contention before the method fails.</summary>
    public const int MaxAttempts = 64;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly EtcdConnection _etcd;
    private readonly bool _ownsConnection;

    public EtcdClusterStore(EtcdConnection etcd, string prefix, bool ownsConnection = false)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _etcd = etcd;
        _ownsConnection = ownsConnection;
        Prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    /// <summary>The key prefix of this cluster, e.g. <c>/jumpstart/default/</c>.</summary>
    public string Prefix { get; }

    /// <summary>The connection (the leader election and the CMS share it).</summary>
    public EtcdConnection Connection => _etcd;

    public void Dispose()
    {
        if (_ownsConnection)
        {
            _etcd.Dispose();
        }
    }

    private string Key(string kind, string name) => $"{Prefix}{kind}/{name}";

    private string Kind(string kind) => $"{Prefix}{kind}/";

    /// <summary>
    /// Runs <paramref name="attempt"/> until its Txn succeeds: it reads what it needs and returns the Txn to commit
    /// (compares on what it read) with the result to return, or no Txn when nothing is to be written.
    /// </summary>
    private async Task<T> CasAsync<T>(Func<CancellationToken, Task<(TxnRequest? Txn, T Result)>> attempt, CancellationToken cancellationToken)
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            var (txn, result) = await attempt(cancellationToken);
            if (txn is null || (await _etcd.TxnAsync(txn, cancellationToken)).Succeeded)
            {
                return result;
            }

            await Task.Delay(Random.Shared.Next(1, 5 + i), cancellationToken);
        }

        throw new ClusterStoreException($"the cluster store ({_etcd.Description}) changed under {MaxAttempts} attempts in a row; try again");
    }

    private static Compare Unchanged(string key, Mvccpb.KeyValue? read) => new()
    {
        Key = EtcdConnection.Bytes(key),
        Target = Compare.Types.CompareTarget.Mod,
        Result = Compare.Types.CompareResult.Equal,
        ModRevision = read?.ModRevision ?? 0,
    };

    private static RequestOp Put<T>(string key, T value) => new() { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(key), Value = Json(value) } };

    private static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(key) } };

    private RequestOp ReadKind(string kind) => new() { RequestRange = new RangeRequest { Key = EtcdConnection.Bytes(Kind(kind)), RangeEnd = EtcdConnection.RangeEnd(Kind(kind)) } };

    private static ByteString Json<T>(T value) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, s_json));

    /// <exception cref="ClusterStoreException">The value is not the JSON this version writes.</exception>
    private T Parse<T>(Mvccpb.KeyValue kv)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(kv.Value.Span, s_json) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new ClusterStoreException($"the cluster store ({_etcd.Description}) holds a damaged value at {kv.Key.ToStringUtf8()}: {ex.Message}", ex);
        }
    }

    private List<T> ParseAll<T>(IEnumerable<Mvccpb.KeyValue> kvs) => [.. kvs.Select(Parse<T>)];

    /// <summary>Times are kept to the millisecond, as the SQLite store keeps them.</summary>
    private static DateTimeOffset Ms(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static DateTimeOffset? Ms(DateTimeOffset? time) => time is { } t ? Ms(t) : null;

    /// <summary>Reads several ranges at one revision (a Txn of reads only).</summary>
    private async Task<IReadOnlyList<Google.Protobuf.Collections.RepeatedField<Mvccpb.KeyValue>>> SnapshotAsync(CancellationToken cancellationToken, params string[] kinds)
    {
        var txn = new TxnRequest();
        txn.Success.AddRange(kinds.Select(ReadKind));
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        return [.. response.Responses.Select(r => r.ResponseRange.Kvs)];
    }
}
