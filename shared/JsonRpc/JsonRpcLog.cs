using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Every log line of the JSON-RPC layer, declared once. Event ids 1100-1199.</summary>
internal static partial class JsonRpcLog
{
    [LoggerMessage(EventId = LogEventIds.JsonRpc.FramingError, Level = LogLevel.Warning, Message = "JSON-RPC framing error, closing the connection: {Reason} ({HeldBack} more since the last such line)")]
    public static partial void FramingError(ILogger logger, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.SlowSender, Level = LogLevel.Warning, Message = "JSON-RPC peer sent no complete frame within {Seconds} s; closing the connection ({HeldBack} more since the last such line)")]
    public static partial void SlowSender(ILogger logger, double seconds, long heldBack);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.NoFirstFrame, Level = LogLevel.Warning, Message = "JSON-RPC peer sent no complete first frame within {Seconds} s of connecting; closing the connection ({HeldBack} more since the last such line)")]
    public static partial void NoFirstFrame(ILogger logger, double seconds, long heldBack);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.IdleClosed, Level = LogLevel.Debug, Message = "JSON-RPC connection idle for {Seconds} s; closing it")]
    public static partial void IdleClosed(ILogger logger, double seconds);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.TooManyConnections, Level = LogLevel.Warning, Message = "JSON-RPC server refused a connection: {Reason} ({HeldBack} more refused since the last such line)")]
    public static partial void TooManyConnections(ILogger logger, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.PeerRefused, Level = LogLevel.Warning, Message = "JSON-RPC server refused a local peer ({Peer}): not root, this daemon's user or a member of its group")]
    public static partial void PeerRefused(ILogger logger, string peer);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.HandlerFailed, Level = LogLevel.Error, Message = "JSON-RPC method {Method} failed unexpectedly; answered Internal error")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.Refused, Level = LogLevel.Information, Message = "JSON-RPC method {Method} refused ({Code}): {Reason}")]
    public static partial void Refused(ILogger logger, string method, int code, string reason);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.Listening, Level = LogLevel.Information, Message = "JSON-RPC server listening on {EndPoint}, {Limits}")]
    public static partial void Listening(ILogger logger, string endPoint, string limits);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.AcceptFailed, Level = LogLevel.Warning, Message = "JSON-RPC server could not accept a connection: {Error} ({Reason}; {HeldBack} more failures since the last such line)")]
    public static partial void AcceptFailed(ILogger logger, string error, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.ConfigureFailed, Level = LogLevel.Error, Message = "JSON-RPC connection setup failed; dropping the connection")]
    public static partial void ConfigureFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.Reclaiming, Level = LogLevel.Debug, Message = "JSON-RPC server collecting the {Bytes} bytes closed connections and large messages left behind")]
    public static partial void Reclaiming(ILogger logger, long bytes);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.StaleSocketReplaced, Level = LogLevel.Information, Message = "JSON-RPC server replaced a stale unix socket at {Path}")]
    public static partial void StaleSocketReplaced(ILogger logger, string path);
}
