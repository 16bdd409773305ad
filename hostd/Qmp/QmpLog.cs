using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Qmp;

/// <summary>QMP client log messages (event ids 4000-4019).</summary>
internal static partial class QmpLog
{
    [LoggerMessage(EventId = LogEventIds.Qmp.Connected, Level = LogLevel.Debug, Message = "QMP {Socket}: connected to QEMU {Version}")]
    public static partial void Connected(ILogger logger, string socket, string version);

    [LoggerMessage(EventId = LogEventIds.Qmp.Sending, Level = LogLevel.Debug, Message = "QMP {Socket}: -> {Command}")]
    public static partial void Sending(ILogger logger, string socket, string command);

    [LoggerMessage(EventId = LogEventIds.Qmp.Event, Level = LogLevel.Debug, Message = "QMP {Socket}: event {Event}")]
    public static partial void Event(ILogger logger, string socket, string @event);

    [LoggerMessage(EventId = LogEventIds.Qmp.Closed, Level = LogLevel.Debug, Message = "QMP {Socket}: closed ({Reason})")]
    public static partial void Closed(ILogger logger, string socket, string reason);

    [LoggerMessage(EventId = LogEventIds.Qmp.UnknownId, Level = LogLevel.Warning, Message = "QMP {Socket}: answer to unknown id {Id} ignored")]
    public static partial void UnknownId(ILogger logger, string socket, string id);
}
