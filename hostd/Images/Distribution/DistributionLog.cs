using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>Image distribution log messages (event ids 4600-4649).</summary>
internal static partial class DistributionLog
{
    [LoggerMessage(EventId = LogEventIds.Distribution.CopyStarted, Level = LogLevel.Information, Message = "Copying {Bytes} bytes of {Source} to {Destination} with {Streams} streams")]
    public static partial void CopyStarted(ILogger logger, long bytes, string source, string destination, int streams);

    [LoggerMessage(EventId = LogEventIds.Distribution.CopyFinished, Level = LogLevel.Information, Message = "Copied {Bytes} bytes of {Source} to {Destination} in {Seconds:0.000} s ({Written} written, rest holes)")]
    public static partial void CopyFinished(ILogger logger, long bytes, string source, string destination, double seconds, long written);

    [LoggerMessage(EventId = LogEventIds.Distribution.CopyFailed, Level = LogLevel.Warning, Message = "Copy of {Source} to {Destination} failed; the destination is unchanged")]
    public static partial void CopyFailed(ILogger logger, Exception exception, string source, string destination);

    [LoggerMessage(EventId = LogEventIds.Distribution.MulticastFinished, Level = LogLevel.Information, Message = "Multicast of {File} ({Bytes} bytes) to {Receivers} receivers on {Group} finished in {Seconds:0.000} s")]
    public static partial void MulticastFinished(ILogger logger, string file, long bytes, int receivers, string group, double seconds);

    [LoggerMessage(EventId = LogEventIds.Distribution.MulticastFailed, Level = LogLevel.Warning, Message = "Multicast of {File} failed: {Reason}")]
    public static partial void MulticastFailed(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = LogEventIds.Distribution.Decision, Level = LogLevel.Information, Message = "Background deployment: {Action} ({Reason}); latency {LatencyMicroseconds:0} µs at {RequestsPerSecond:0} req/s, {Replicas} replicas")]
    public static partial void Decision(ILogger logger, string action, string reason, double latencyMicroseconds, double requestsPerSecond, int replicas);

    [LoggerMessage(EventId = LogEventIds.Distribution.Observation, Level = LogLevel.Debug, Message = "Background deployment: {Action} ({Reason}); latency {LatencyMicroseconds:0} µs at {RequestsPerSecond:0} req/s, {Replicas} replicas")]
    public static partial void Observation(ILogger logger, string action, string reason, double latencyMicroseconds, double requestsPerSecond, int replicas);

    [LoggerMessage(EventId = LogEventIds.Distribution.StepFailed, Level = LogLevel.Warning, Message = "Background deployment step failed; retrying next interval")]
    public static partial void StepFailed(ILogger logger, Exception exception);
}
