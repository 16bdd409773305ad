using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>Join tokens.</summary>
internal sealed partial class ClusterManager
{
    /// <summary>Creates a token (stored hashed) and returns it; it is never shown again.</summary>
    /// <exception cref="ClusterRequestException">The lifetime or number of uses is out of range.</exception>
    /// <exception cref="ClusterRateLimitedException"><see cref="ClusterLimits.MaxTokens"/> unexpired tokens exist.</exception>
    public async Task<TokenCreateResult> CreateTokenAsync(TokenCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ttl = request.TtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : ClusterLimits.DefaultTokenTtl;
        if (request.TtlSeconds is { } asked && (asked > ClusterLimits.MaxTokenTtl.TotalSeconds || ttl < ClusterLimits.MinTokenTtl))
        {
            throw new ClusterRequestException($"a token lives {ClusterLimits.MinTokenTtl.TotalSeconds:0} s to {ClusterLimits.MaxTokenTtl.TotalDays:0} days (asked {asked} s)");
        }

        var uses = request.Uses ?? ClusterLimits.DefaultTokenUses;
        if (uses is < 1 or > ClusterLimits.MaxTokenUses)
        {
            throw new ClusterRequestException($"a token admits 1-{ClusterLimits.MaxTokenUses} joins (asked {uses})");
        }

        var (token, id) = JoinToken.Create();
        var now = _time.GetUtcNow();
        var record = new JoinTokenRecord { Id = id, Digest = JoinToken.Digest(token), CreatedAt = now, ExpiresAt = now + ttl, MaxUses = uses };
        if (!await _store.AddTokenAsync(record, now, cancellationToken))
        {
            throw new ClusterRateLimitedException($"{ClusterLimits.MaxTokens} unexpired tokens exist already; wait for some to expire");
        }

        ClusterLog.TokenCreated(_logger, id, uses, record.ExpiresAt);
        return new TokenCreateResult { Token = token, Id = id, ExpiresAt = record.ExpiresAt, Uses = uses };
    }

    /// <summary>The tokens, without their secrets.</summary>
    public async Task<TokenInfo[]> ListTokensAsync(CancellationToken cancellationToken)
        => [.. (await _store.ListTokensAsync(cancellationToken)).Select(t => new TokenInfo { Id = t.Id, CreatedAt = t.CreatedAt, ExpiresAt = t.ExpiresAt, MaxUses = t.MaxUses, Used = t.Used })];
}
