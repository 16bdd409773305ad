using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Metrics;

/// <summary>The metrics endpoint's log messages (event ids 4700-4709).</summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = LogEventIds.Metrics.Serving, Level = LogLevel.Information, Message = "Serving Prometheus metrics on http://{EndPoint}{Path}")]
    public static partial void Listening(ILogger logger, string endPoint, string path);

    [LoggerMessage(EventId = LogEventIds.Metrics.CannotServe, Level = LogLevel.Error, Message = "Cannot serve metrics on {EndPoint}: {Message}")]
    public static partial void ListenFailed(ILogger logger, string endPoint, string message);

    [LoggerMessage(EventId = LogEventIds.Metrics.Stopped, Level = LogLevel.Information, Message = "Metrics endpoint stopped")]
    public static partial void Stopped(ILogger logger);
}
