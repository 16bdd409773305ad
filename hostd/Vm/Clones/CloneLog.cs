using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>Clone log messages (event ids 4200-4219).</summary>
internal static partial class CloneLog
{
    [LoggerMessage(EventId = LogEventIds.Clones.Running, Level = LogLevel.Information, Message = "Clone {Name} of {Bundle} running after {Seconds:0.000} s")]
    public static partial void Running(ILogger logger, string name, string bundle, double seconds);

    [LoggerMessage(EventId = LogEventIds.Clones.Failed, Level = LogLevel.Warning, Message = "Clone {Name} of {Bundle} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string name, string bundle, string reason);

    [LoggerMessage(EventId = LogEventIds.Clones.Refused, Level = LogLevel.Warning, Message = "Clone request for {Bundle} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string bundle, string reason);
}
