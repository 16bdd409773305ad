namespace Jumpstart.Shared.JsonRpc;

/// <summary>Why a <see cref="JsonRpcConnection"/> closed.</summary>
public enum JsonRpcCloseReason
{
    /// <summary>Still open.</summary>
    None,

    /// <summary>Closed locally by <see cref="JsonRpcConnection.DisposeAsync"/>.</summary>
    Disposed,

    /// <summary>The peer ended the stream between messages.</summary>
    EndOfStream,

    /// <summary>The peer ended the stream inside a header or body.</summary>
    TruncatedMessage,

    /// <summary>The peer broke the framing (oversized header or body, bad Content-Length).</summary>
    FramingError,

    /// <summary>Reading or writing the transport failed.</summary>
    TransportError,
}
