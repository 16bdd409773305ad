using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Every log line of the JSON-RPC library, declared once. Event ids 1100-1199.</summary>
internal static partial class JsonRpcLog
{
    [LoggerMessage(EventId = LogEventIds.JsonRpc.FramingError, Level = LogLevel.Error, Message = "JSON-RPC framing error, closing the connection: {Reason}")]
    public static partial void FramingError(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.TruncatedMessage, Level = LogLevel.Warning, Message = "JSON-RPC peer closed the stream in the middle of a message ({BufferedBytes} bytes buffered)")]
    public static partial void TruncatedMessage(ILogger logger, long bufferedBytes);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.ParseError, Level = LogLevel.Warning, Message = "JSON-RPC message is not valid JSON: {Reason}")]
    public static partial void ParseError(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.InvalidRequest, Level = LogLevel.Warning, Message = "JSON-RPC message is not a valid request: {Reason}")]
    public static partial void InvalidRequest(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.MethodNotFound, Level = LogLevel.Debug, Message = "JSON-RPC method {Method} is not bound")]
    public static partial void MethodNotFound(ILogger logger, string method);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.HandlerFailed, Level = LogLevel.Warning, Message = "JSON-RPC method {Method} failed")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.UnknownResponse, Level = LogLevel.Debug, Message = "JSON-RPC response for unknown request id {Id} ignored")]
    public static partial void UnknownResponse(ILogger logger, string id);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.ConnectionClosed, Level = LogLevel.Debug, Message = "JSON-RPC connection closed ({Reason})")]
    public static partial void ConnectionClosed(ILogger logger, JsonRpcCloseReason reason);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.TransportFailed, Level = LogLevel.Warning, Message = "JSON-RPC transport failed; closing the connection")]
    public static partial void TransportFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.Listening, Level = LogLevel.Information, Message = "JSON-RPC server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.AcceptFailed, Level = LogLevel.Warning, Message = "JSON-RPC server could not accept a connection")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.ConfigureFailed, Level = LogLevel.Error, Message = "JSON-RPC connection setup failed; dropping the connection")]
    public static partial void ConfigureFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.CancelledByPeer, Level = LogLevel.Debug, Message = "JSON-RPC request {Id} cancelled by the peer")]
    public static partial void CancelledByPeer(ILogger logger, string id);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.StaleSocketReplaced, Level = LogLevel.Information, Message = "JSON-RPC server replaced a stale unix socket at {Path}")]
    public static partial void StaleSocketReplaced(ILogger logger, string path);

    [LoggerMessage(EventId = LogEventIds.JsonRpc.TooManyRequests, Level = LogLevel.Warning, Message = "JSON-RPC call to {Method} refused: more than {Limit} calls in progress")]
    public static partial void TooManyRequests(ILogger logger, string method, int limit);
}
