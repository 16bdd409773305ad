using Etcdserverpb;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Join tokens.</summary>
public sealed partial class EtcdClusterStore
{
    private const string Tokens = "tokens";

    /// <summary>Every token addition changes this key, so two managers adding tokens at once cannot both pass the cap.</summary>
    private const string TokensGuard = "counters/tokens";

    /// <summary>Deletes per Txn: etcd refuses a Txn of more than 128 operations (--max-txn-ops).</summary>
    private const int MaxForgottenPerTxn = 100;

    public Task<bool> AddTokenAsync(JoinTokenRecord token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return CasAsync<bool>(async ct =>
        {
            var guard = await _etcd.GetAsync(Prefix + TokensGuard, ct);
            var tokens = ParseAll<JoinTokenRecord>((await _etcd.RangeAsync(Kind(Tokens), ct)).Kvs);
            await ForgetAsync([.. tokens.Where(t => t.ExpiresAt <= Ms(now)).Select(t => Key(Tokens, t.Id))], ct);
            var added = tokens.Count(t => t.ExpiresAt > Ms(now)) < ClusterLimits.MaxTokens;
            var txn = new TxnRequest();
            txn.Compare.Add(Unchanged(Prefix + TokensGuard, guard));
            if (added)
            {
                txn.Success.Add(Put(Key(Tokens, token.Id), token with { CreatedAt = Ms(token.CreatedAt), ExpiresAt = Ms(token.ExpiresAt) }));
            }

            txn.Success.Add(Put(Prefix + TokensGuard, (guard is null ? 0 : Parse<long>(guard)) + 1));
            return (txn, added);
        }, cancellationToken);
    }

    /// <summary>Deletes expired tokens, <see cref="MaxForgottenPerTxn"/> per Txn (deleting one twice is harmless).</summary>
    private async Task ForgetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(MaxForgottenPerTxn))
        {
            var txn = new TxnRequest();
            txn.Success.AddRange(chunk.Select(Delete));
            await _etcd.TxnAsync(txn, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<JoinTokenRecord>> ListTokensAsync(CancellationToken cancellationToken)
        => [.. ParseAll<JoinTokenRecord>((await _etcd.RangeAsync(Kind(Tokens), cancellationToken)).Kvs).OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal)];
}
