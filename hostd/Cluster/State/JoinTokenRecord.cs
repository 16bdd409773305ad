namespace Jumpstart.Hostd.Cluster.State;

/// <summary>A join token as the manager's store keeps it: the id and the SHA-256 of the whole token, never the token.</summary>
public sealed record JoinTokenRecord
{
    public required string Id { get; init; }

    public required byte[] Digest { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required int MaxUses { get; init; }

    public int Used { get; init; }
}
