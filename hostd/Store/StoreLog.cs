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

    [LoggerMessage(EventId = LogEventIds.Store.AcceptFailed, Level = LogLevel.Warning, Message = "Block server could not accept a connection; retrying: {Error} ({Reason}; {HeldBack} more failures since the last such line)")]
    public static partial void AcceptFailed(ILogger logger, string error, string reason, long heldBack);

    /// <remarks>A warning when the process's descriptor budget lowered the configured caps (the unit's LimitNOFILE is too small for them).</remarks>
    [LoggerMessage(EventId = LogEventIds.Store.CapsLowered, Message = "Block server accepts {Limit}: {Authenticated} authenticated, {Unauthenticated} before their Hello")]
    public static partial void ConnectionCaps(ILogger logger, LogLevel level, string limit, int authenticated, int unauthenticated);

    [LoggerMessage(EventId = LogEventIds.Store.RefusedAtAccept, Level = LogLevel.Warning, Message = "Block server refuses connections at accept: {Reason} ({HeldBack} more refused since the last such line)")]
    public static partial void RefusedAtAccept(ILogger logger, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Store.HelloDropped, Level = LogLevel.Debug, Message = "Dropped {Remote} before its Hello: {Reason}")]
    public static partial void HelloDropped(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = LogEventIds.Store.Problem, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(EventId = LogEventIds.Store.Stored, Level = LogLevel.Information, Message = "Stored '{Name}': {Length} bytes, {Stripes} stripe(s) over {Servers} servers")]
    public static partial void Stored(ILogger logger, string name, long length, long stripes, int servers);

    [LoggerMessage(EventId = LogEventIds.Store.Repaired, Level = LogLevel.Information, Message = "Repaired '{Name}': {Count} combination(s) re-created")]
    public static partial void Repaired(ILogger logger, string name, int count);
}
