
namespace Jumpstart.Shared.Nbd.Client;

/// <summary>How an <see cref="NbdClient"/> negotiates and how much it keeps in flight.</summary>
public sealed record NbdClientOptions
{
    /// <summary>Default number of requests in flight on one connection.</summary>
    public const int DefaultMaxInFlight = 64;

    /// <summary>Default largest single request; bigger reads are split (and the server's maximum block size wins if smaller).</summary>
    public const int DefaultMaxRequestBytes = 2 * 1024 * 1024;

    /// <summary>The protocol's own ceiling on a request without block-size negotiation (proto.md "Block size constraints": 32 MiB).</summary>
    public const int ProtocolMaxRequestBytes = 32 * 1024 * 1024;

    /// <summary>Requests in flight on the connection at most; callers beyond it wait.</summary>
    public int MaxInFlight { get; init; } = DefaultMaxInFlight;

    /// <summary>Largest request sent; reads and writes over it are split.</summary>
    public int MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>Ask for structured replies (needed for <c>base:allocation</c> and sparse reads).</summary>
    public bool StructuredReplies { get; init; } = true;

    /// <summary>Ask for the <c>base:allocation</c> metadata context (block status).</summary>
    public bool BlockStatus { get; init; } = true;

    /// <summary>Limit on connecting and the whole handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
