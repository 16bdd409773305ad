using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Sockets;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>Tunables of an <see cref="NbdServer"/>; the defaults suit a host serving its VMs.</summary>
/// <remarks>Every bound here is one a client could otherwise push without limit before authenticating anything (NBD
/// has no authentication without TLS): memory held for replies, descriptors, handshake time.</remarks>
public sealed record NbdServerOptions
{
    /// <summary>Default bound on requests one connection may have in flight.</summary>
    public const int DefaultMaxInFlightRequests = 64;

    /// <summary>Default <see cref="MaxBufferedBytesPerConnection"/>: two maximum-size requests.</summary>
    public const long DefaultMaxBufferedBytesPerConnection = 2L * NbdLimits.MaxPayloadLength;

    /// <summary>Default <see cref="MaxBufferedBytes"/> of one server (one listener).</summary>
    public const long DefaultMaxBufferedBytes = 256L * 1024 * 1024;

    /// <summary>Default <see cref="MaxConnectionsPerSource"/>.</summary>
    public const int DefaultMaxConnectionsPerSource = 128;

    /// <summary>Requests one connection runs at once; the server stops reading that socket while this many are
    /// in flight, so a client cannot make it buffer without bound.</summary>
    public int MaxInFlightRequests { get; init; } = DefaultMaxInFlightRequests;

    /// <summary>READ data and WRITE payloads one connection may hold in memory at once (a READ holds its data
    /// until the client has taken the reply). Past it the server stops reading that connection's requests. At
    /// least <see cref="NbdLimits.MaxPayloadLength"/>.</summary>
    public long MaxBufferedBytesPerConnection { get; init; } = DefaultMaxBufferedBytesPerConnection;

    /// <summary>The same bound for all connections of this server together; a connection that would go past it
    /// waits (requests are granted in arrival order). At least <see cref="MaxBufferedBytesPerConnection"/>.</summary>
    public long MaxBufferedBytes { get; init; } = DefaultMaxBufferedBytes;

    /// <summary>How long one reply may make no progress (the client does not read it) before the connection is
    /// closed; this frees what the connection holds of <see cref="MaxBufferedBytes"/>.</summary>
    public TimeSpan ReplyStallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to finish option haggling before it is dropped (a real client needs
    /// milliseconds; an idle one holds a connection slot until then).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections accepted at once; further ones are closed immediately. The server lowers it to what the
    /// process's descriptor budget can hold (<see cref="ConnectionLimiter"/>), and each connection also takes
    /// a descriptor of that budget, shared with every other listener of the process.</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>The descriptor budget the connections draw on: <see cref="ConnectionBudget.Process"/> when
    /// null (a daemon); a test gives a small one.</summary>
    public ConnectionBudget? ConnectionBudget { get; init; }

    /// <summary>TCP connections from one source address at once (handshaking or not), so that one peer cannot take
    /// every slot; unix-socket clients are not limited by source.</summary>
    public int MaxConnectionsPerSource { get; init; } = DefaultMaxConnectionsPerSource;

    /// <exception cref="ArgumentException">A bound is not positive, or smaller than the one it must contain.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightRequests, 1, nameof(MaxInFlightRequests));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerSource, 1, nameof(MaxConnectionsPerSource));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytesPerConnection, NbdLimits.MaxPayloadLength, nameof(MaxBufferedBytesPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, MaxBufferedBytesPerConnection, nameof(MaxBufferedBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReplyStallTimeout, TimeSpan.Zero, nameof(ReplyStallTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
    }
}
