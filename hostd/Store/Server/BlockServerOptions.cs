using System.Net;
using Jumpstart.Shared.Sockets;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>How a block server runs, and the bounds that keep a hostile or runaway peer from exhausting it.</summary>
/// <remarks>
/// A connection is <em>unauthenticated</em> from accept until its Hello is answered and <em>authenticated</em> after;
/// the two kinds have separate caps, so strangers can never take the slots of the peers in the token file. Every
/// connection also takes a descriptor of the process's shared <see cref="ConnectionBudget"/>; the caps
/// are lowered in proportion at start when that budget cannot hold them both (<see cref="ConnectionCaps"/>).
/// </remarks>
public sealed record BlockServerOptions
{
    /// <summary>Default port of a block server.</summary>
    public const int DefaultPort = 7440;

    /// <summary>Address and port to listen on (port 0 picks a free one).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>Directory holding the objects.</summary>
    public required string Directory { get; init; }

    /// <summary>The peers and their tokens.</summary>
    public required PeerTokens Peers { get; init; }

    /// <summary>Authenticated connections served at once, all peers together; a Hello beyond it is answered Failed.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Authenticated connections one peer may hold, so one peer cannot take every slot (a fog uses 4 per operation).</summary>
    public int MaxConnectionsPerPeer { get; init; } = 64;

    /// <summary>
    /// Connections that have not said Hello yet. One more evicts the oldest of the source holding the most, so
    /// strangers that connect and wait cannot keep a peer out. Each costs at most one Hello's bounded size.
    /// </summary>
    public int MaxUnauthenticated { get; init; } = 64;

    /// <summary>Unauthenticated connections from one source (an IPv4 address or an IPv6 /64); one more evicts that source's oldest.</summary>
    public int MaxUnauthenticatedPerSource { get; init; } = 8;

    /// <summary>How long a connection has from accept to a complete Hello (header, token, answer).</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an authenticated connection may sit between requests.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one request may take from its first byte to its answer (header, body, disk, answer).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The descriptor budget the connections draw on: <see cref="ConnectionBudget.Process"/>
    /// when null (a daemon); a test gives a small one.</summary>
    public ConnectionBudget? ConnectionBudget { get; init; }

    /// <summary>Puts and gets holding a block buffer (up to <see cref="StoreLimits.MaxBlockSize"/> each) at once; more wait.</summary>
    public int MaxRequestsInFlight { get; init; } = 32;
}
