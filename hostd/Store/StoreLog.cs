using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Store;

/// <summary>The state store's log messages (event ids 8000-8099).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Block server listening on {EndPoint}, {Peers} peer(s), storage {Directory}")]
    public static partial void Listening(ILogger logger, string endPoint, int peers, string directory);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Refused {Remote}: {Reason}")]
    public static partial void Refused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Connection from {Remote} failed: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Block server stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Error, Message = "Storing {Id} for {Peer} failed")]
    public static partial void PutFailed(ILogger logger, string peer, string id, Exception exception);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "Block server could not accept a connection; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8010, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Information, Message = "Stored '{Name}': {Length} bytes, {Stripes} stripe(s) over {Servers} servers")]
    public static partial void Stored(ILogger logger, string name, long length, long stripes, int servers);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Information, Message = "Repaired '{Name}': {Count} combination(s) re-created")]
    public static partial void Repaired(ILogger logger, string name, int count);
}
