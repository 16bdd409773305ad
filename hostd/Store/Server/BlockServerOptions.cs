using System.Net;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>How a block server runs.</summary>
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

    /// <summary>Connections served at once; more are closed at once.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>How long a connection may sit between or inside requests.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
