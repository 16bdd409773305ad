using Etcdserverpb;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Join tokens.</summary>
public sealed partial class EtcdClusterStore
{
    private const string Tokens = "tokens";

    /// <summary>Every token addition changes this key, so two managers adding tokens at once cannot both pass the cap.</summary>
    private const string TokensGuard = "counters/tokens";

    public Task<bool> AddTokenAsync(JoinTokenRecord token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return CasAsync<bool>(async ct =>
        {
            var guard = await _etcd.GetAsync(Prefix + TokensGuard, ct);
            var tokens = await _etcd.RangeAsync(Kind(Tokens), ct);
            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Prefix + TokensGuard, guard));
            var live = 0;
            foreach (var kv in tokens.Kvs)
            {
                var existing = Parse<JoinTokenRecord>(kv);
                if (existing.ExpiresAt <= Ms(now))
                {
                    txn.Success.Add(Delete(kv.Key.ToStringUtf8()));
                }
                else
                {
                    live++;
                }
            }

            var added = live < ClusterLimits.MaxTokens;
            if (added)
            {
                txn.Success.Add(Put(Key(Tokens, token.Id), token with { CreatedAt = Ms(token.CreatedAt), ExpiresAt = Ms(token.ExpiresAt) }));
            }

            txn.Success.Add(Put(Prefix + TokensGuard, (guard is null ? 0 : Parse<long>(guard)) + 1));
            return (txn, added);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<JoinTokenRecord>> ListTokensAsync(CancellationToken cancellationToken)
        => [.. ParseAll<JoinTokenRecord>((await _etcd.RangeAsync(Kind(Tokens), cancellationToken)).Kvs).OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal)];
}
