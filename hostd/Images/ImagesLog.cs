using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images;

/// <summary>Log messages of pseudo images and replica sets (event ids 4100-4199).</summary>
internal static partial class ImagesLog
{
    [LoggerMessage(EventId = LogEventIds.Images.Opened, Level = LogLevel.Information, Message = "Pseudo image {Identity}: {Present}/{Total} extents present in {Directory}, upstream {Upstream}")]
    public static partial void Opened(ILogger logger, string identity, long present, long total, string directory, string upstream);

    [LoggerMessage(EventId = LogEventIds.Images.FetchFailed, Level = LogLevel.Warning, Message = "Fetching extent {Extent} from {Upstream} failed")]
    public static partial void FetchFailed(ILogger logger, long extent, string upstream, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Images.ReadAheadFailed, Level = LogLevel.Debug, Message = "Read-ahead of extent {Extent} failed")]
    public static partial void ReadAheadFailed(ILogger logger, long extent, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Images.Filled, Level = LogLevel.Information, Message = "Pseudo image {Identity} filled: {Bytes} bytes fetched in {Seconds:0.0} s; it is a full replica")]
    public static partial void Filled(ILogger logger, string identity, long bytes, double seconds);

    [LoggerMessage(EventId = LogEventIds.Images.Replayed, Level = LogLevel.Information, Message = "Replayed access log {Path}: {Extents} extents, {Fetched} fetched")]
    public static partial void Replayed(ILogger logger, string path, int extents, long fetched);

    [LoggerMessage(EventId = LogEventIds.Images.Retrying, Level = LogLevel.Warning, Message = "Replica {Replica} failed (attempt {Attempt} of {Attempts}), retrying in {DelayMs} ms: {Reason}")]
    public static partial void Retrying(ILogger logger, string replica, int attempt, int attempts, int delayMs, string reason);

    [LoggerMessage(EventId = LogEventIds.Images.FailedOver, Level = LogLevel.Warning, Message = "Failing over from replica {From} to {To}")]
    public static partial void FailedOver(ILogger logger, string from, string to);

    [LoggerMessage(EventId = LogEventIds.Images.Switched, Level = LogLevel.Information, Message = "Upstream switched from {From} to {To}; requests in flight finish on {From}")]
    public static partial void Switched(ILogger logger, string from, string to);

    [LoggerMessage(EventId = LogEventIds.Images.ReplicaAdded, Level = LogLevel.Information, Message = "Replica {Replica} added to the set")]
    public static partial void ReplicaAdded(ILogger logger, string replica);
}
