using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images;

/// <summary>The image service's log messages (event ids 7050-7099; NbdLog has 7000-7049).</summary>
internal static partial class ImageServiceLog
{
    [LoggerMessage(EventId = LogEventIds.ImageService.Listening, Level = LogLevel.Information, Message = "images served on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = LogEventIds.ImageService.Served, Level = LogLevel.Information, Message = "image {Name} ({Kind}, {Size} bytes) served")]
    public static partial void Served(ILogger logger, string name, string kind, long size);

    [LoggerMessage(EventId = LogEventIds.ImageService.Unavailable, Level = LogLevel.Error, Message = "image {Name} cannot be served: {Problem}")]
    public static partial void Unavailable(ILogger logger, string name, string problem);

    [LoggerMessage(EventId = LogEventIds.ImageService.Removed, Level = LogLevel.Information, Message = "image {Name} removed")]
    public static partial void Removed(ILogger logger, string name);

    [LoggerMessage(EventId = LogEventIds.ImageService.Switched, Level = LogLevel.Information, Message = "image {Name} now fetches from {Upstream}")]
    public static partial void Switched(ILogger logger, string name, string upstream);

    [LoggerMessage(EventId = LogEventIds.ImageService.Filled, Level = LogLevel.Information, Message = "image {Name} filled: {Bytes} bytes in {Seconds:F1} s")]
    public static partial void Filled(ILogger logger, string name, long bytes, double seconds);

    [LoggerMessage(EventId = LogEventIds.ImageService.Replicated, Level = LogLevel.Information, Message = "image {Name} replicated from {From}: {Bytes} bytes in {Seconds:F1} s")]
    public static partial void Replicated(ILogger logger, string name, string from, long bytes, double seconds);

    [LoggerMessage(EventId = LogEventIds.ImageService.ReplayFailed, Level = LogLevel.Warning, Message = "image {Name}: replay of {AccessLog} failed: {Problem}")]
    public static partial void ReplayFailed(ILogger logger, string name, string accessLog, string problem);

    [LoggerMessage(EventId = LogEventIds.ImageService.Stopped, Level = LogLevel.Information, Message = "image service stopped")]
    public static partial void Stopped(ILogger logger);
}
