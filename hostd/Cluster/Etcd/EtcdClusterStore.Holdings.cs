using Etcdserverpb;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Which host holds which bundle: one key per host (its whole list, so a heartbeat's change is one put).</summary>
public sealed partial class EtcdClusterStore
{
    private const string Holdings = "holdings";

    public Task SetHoldingsAsync(string host, IReadOnlyCollection<string> bundles, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        return CasAsync<bool>(async ct =>
        {
            var kv = await _etcd.GetAsync(Key(Holdings, host), ct);
            var held = kv is null ? [] : Parse<HeldBundles>(kv).Bundles.ToDictionary(b => b.Bundle, b => b.Since, StringComparer.Ordinal);
            var wanted = bundles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(b => new HeldBundle(b, held.TryGetValue(b, out var since) ? since : Ms(at)))
                .ToList();
            if (kv is not null && wanted.Count == held.Count && wanted.All(b => held.ContainsKey(b.Bundle)))
            {
                return (null, false);
            }

            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Key(Holdings, host), kv));
            txn.Success.Add(Put(Key(Holdings, host), new HeldBundles(host, wanted)));
            return (txn, true);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BundleHoldingRecord>> ListHoldersAsync(string bundle, CancellationToken cancellationToken)
        => [.. ParseAll<HeldBundles>((await _etcd.RangeAsync(Kind(Holdings), cancellationToken)).Kvs)
            .SelectMany(h => h.Bundles.Where(b => b.Bundle == bundle).Select(b => new BundleHoldingRecord(h.Host, b.Bundle, b.Since)))
            .OrderBy(h => h.Host, StringComparer.Ordinal)];

    public async Task<IReadOnlyList<BundleHoldingRecord>> ListHoldingsAsync(string host, CancellationToken cancellationToken)
        => await _etcd.GetAsync(Key(Holdings, host), cancellationToken) is { } kv
            ? [.. Parse<HeldBundles>(kv).Bundles.Select(b => new BundleHoldingRecord(host, b.Bundle, b.Since))]
            : [];

    /// <summary>The value of <c>holdings/HOST</c>.</summary>
    private sealed record HeldBundles(string Host, IReadOnlyList<HeldBundle> Bundles);

    private sealed record HeldBundle(string Bundle, DateTimeOffset Since);
}
