using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Qmp;

/// <summary>QMP client log messages (event ids 4000-4019).</summary>
internal static partial class QmpLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "QMP {Socket}: connected to QEMU {Version}")]
    public static partial void Connected(ILogger logger, string socket, string version);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "QMP {Socket}: -> {Command}")]
    public static partial void Sending(ILogger logger, string socket, string command);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "QMP {Socket}: event {Event}")]
    public static partial void Event(ILogger logger, string socket, string @event);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "QMP {Socket}: closed ({Reason})")]
    public static partial void Closed(ILogger logger, string socket, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "QMP {Socket}: answer to unknown id {Id} ignored")]
    public static partial void UnknownId(ILogger logger, string socket, string id);
}
