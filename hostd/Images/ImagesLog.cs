using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images;

/// <summary>Log messages of pseudo images and replica sets (event ids 4100-4199).</summary>
internal static partial class ImagesLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Pseudo image {Identity}: {Present}/{Total} extents present in {Directory}, upstream {Upstream}")]
    public static partial void Opened(ILogger logger, string identity, long present, long total, string directory, string upstream);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Fetching extent {Extent} from {Upstream} failed")]
    public static partial void FetchFailed(ILogger logger, long extent, string upstream, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Read-ahead of extent {Extent} failed")]
    public static partial void ReadAheadFailed(ILogger logger, long extent, Exception exception);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Pseudo image {Identity} filled: {Bytes} bytes fetched in {Seconds:0.0} s; it is a full replica")]
    public static partial void Filled(ILogger logger, string identity, long bytes, double seconds);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Replayed access log {Path}: {Extents} extents, {Fetched} fetched")]
    public static partial void Replayed(ILogger logger, string path, int extents, long fetched);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Replica {Replica} failed (attempt {Attempt} of {Attempts}), retrying in {DelayMs} ms: {Reason}")]
    public static partial void Retrying(ILogger logger, string replica, int attempt, int attempts, int delayMs, string reason);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Failing over from replica {From} to {To}")]
    public static partial void FailedOver(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Information, Message = "Upstream switched from {From} to {To}; requests in flight finish on {From}")]
    public static partial void Switched(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Replica {Replica} added to the set")]
    public static partial void ReplicaAdded(ILogger logger, string replica);
}
