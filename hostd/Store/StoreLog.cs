using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Store;

/// <summary>The state store's log messages (event ids 8000-8099).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = LogEventIds.Store.Listening, Level = LogLevel.Information, Message = "Block server listening on {EndPoint}, {Peers} peer(s), storage {Directory}")]
    public static partial void Listening(ILogger logger, string endPoint, int peers, string directory);

    [LoggerMessage(EventId = LogEventIds.Store.Refused, Level = LogLevel.Warning, Message = "Refused {Remote}: {Reason}")]
    public static partial void Refused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = LogEventIds.Store.ConnectionFailed, Level = LogLevel.Warning, Message = "Connection from {Remote} failed: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = LogEventIds.Store.Stopped, Level = LogLevel.Information, Message = "Block server stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Store.PutFailed, Level = LogLevel.Error, Message = "{Op} of {Id} for {Peer} failed")]
    public static partial void RequestFailed(ILogger logger, string op, string peer, string id, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Store.AcceptFailed, Level = LogLevel.Warning, Message = "Block server could not accept a connection; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Store.CapsLowered, Level = LogLevel.Warning, Message = "Block server connection caps lowered to {Authenticated} authenticated and {Unauthenticated} unauthenticated to fit the open-files limit {OpenFiles} (keeping {Reserve} descriptors for the rest)")]
    public static partial void CapsLowered(ILogger logger, int authenticated, int unauthenticated, long openFiles, int reserve);

    [LoggerMessage(EventId = LogEventIds.Store.HelloDropped, Level = LogLevel.Debug, Message = "Dropped {Remote} before its Hello: {Reason}")]
    public static partial void HelloDropped(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = LogEventIds.Store.Problem, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(EventId = LogEventIds.Store.Stored, Level = LogLevel.Information, Message = "Stored '{Name}': {Length} bytes, {Stripes} stripe(s) over {Servers} servers")]
    public static partial void Stored(ILogger logger, string name, long length, long stripes, int servers);

    [LoggerMessage(EventId = LogEventIds.Store.Repaired, Level = LogLevel.Information, Message = "Repaired '{Name}': {Count} combination(s) re-created")]
    public static partial void Repaired(ILogger logger, string name, int count);
}
