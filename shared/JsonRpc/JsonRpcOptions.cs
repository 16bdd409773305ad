using Jumpstart.Shared.Sockets;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Limits of one connection and of a listener; every size and time a peer could stretch is bounded here.</summary>
public sealed record JsonRpcOptions
{
    /// <summary>Largest header block accepted before the blank line; more is a framing error and closes the connection.</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>
    /// Largest message body any peer may send at any time; a larger Content-Length closes the connection without
    /// allocating it (unless the listener takes large messages, below).
    /// </summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// A listener may read a body larger than <see cref="MaxMessageBytes"/>, up to this, only while it fits in
    /// <see cref="LargeMessageBudgetBytes"/>, the bytes of such bodies its connections buffer at once; one that does not fit
    /// is refused at its header (the connection closes). 0: no large messages. Enforced by <see cref="JsonRpcServer"/>.
    /// </summary>
    public int MaxLargeMessageBytes { get; init; }

    /// <summary>The bytes of large bodies (see <see cref="MaxLargeMessageBytes"/>) a listener's connections buffer at once.</summary>
    public long LargeMessageBudgetBytes { get; init; }

    /// <summary>
    /// Most requests of the peer in progress at once on one connection; at the limit the connection stops reading
    /// until one is answered (TCP flow control then slows the peer), so a flood costs bounded memory.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 1024;

    /// <summary>
    /// How long one frame may take from its first byte to its last; a slower sender (or a header that never ends)
    /// is disconnected. Enforced by <see cref="JsonRpcServer"/>.
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a new connection may take to deliver its first complete frame; a peer that connects and sends nothing,
    /// or too little, is disconnected then. Null: only <see cref="IdleTimeout"/> and <see cref="FrameTimeout"/> apply.
    /// Enforced by <see cref="JsonRpcServer"/>.
    /// </summary>
    public TimeSpan? FirstFrameTimeout { get; init; }

    /// <summary>
    /// How long a served connection may sit with nothing to read, nothing to write and no call in progress before
    /// the server closes it. A long-poll in progress is not idle. Enforced by <see cref="JsonRpcServer"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most connections a listener serves at once; a connection beyond it is closed as soon as it is accepted. Lowered
    /// when the process's descriptor limit cannot hold that many (see <see cref="ConnectionBudget"/>).
    /// </summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// An operator's listener (hostd's control socket, the CMS's unix socket): its connections may also take the
    /// descriptors the process's budget keeps back from the others (<see cref="ConnectionBudget.AdministrativeReserve"/>),
    /// so an operator gets in while a flood holds every other connection.
    /// </summary>
    public bool Administrative { get; init; }

    /// <summary>
    /// The descriptor budget a listener's connections draw on; null: the process's (<see cref="ConnectionBudget.Process"/>,
    /// shared by every listener). Tests pass a small one.
    /// </summary>
    public ConnectionBudget? ConnectionBudget { get; init; }

    /// <summary>
    /// Who may use a unix-socket listener, checked with SO_PEERCRED on each accepted connection; null lets anyone
    /// who can open the socket file in. Ignored for TCP (whose callers authenticate per request with tokens).
    /// </summary>
    public PeerCredentialPolicy? PeerPolicy { get; init; }
}
