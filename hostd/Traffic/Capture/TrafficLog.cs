using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>Traffic capture log messages (event ids 7400-7449).</summary>
internal static partial class TrafficLog
{
    [LoggerMessage(EventId = LogEventIds.Traffic.CaptureStarted, Level = LogLevel.Information, Message = "Capturing {Interface} (VM {Vm}) into {Database}")]
    public static partial void CaptureStarted(ILogger logger, string @interface, string? vm, string database);

    [LoggerMessage(EventId = LogEventIds.Traffic.CaptureStopped, Level = LogLevel.Information, Message = "Capture of {Interface} stopped: {Received} packets received, {Dropped} dropped")]
    public static partial void CaptureStopped(ILogger logger, string @interface, uint received, uint dropped);

    [LoggerMessage(EventId = LogEventIds.Traffic.CaptureFailed, Level = LogLevel.Warning, Message = "Cannot capture {Interface}: {Reason}")]
    public static partial void CaptureFailed(ILogger logger, string @interface, string reason);

    [LoggerMessage(EventId = LogEventIds.Traffic.FlowsDropped, Level = LogLevel.Warning, Message = "{Count} finished flows were dropped: the store fell behind")]
    public static partial void FlowsDropped(ILogger logger, long count);

    [LoggerMessage(EventId = LogEventIds.Traffic.StoreFailed, Level = LogLevel.Warning, Message = "Storing flows failed: {Reason}")]
    public static partial void StoreFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.Traffic.ModelLoaded, Level = LogLevel.Information, Message = "Labelling flows with the {Algorithm} model {Path} ({Classes} classes)")]
    public static partial void ModelLoaded(ILogger logger, string algorithm, string path, int classes);

    [LoggerMessage(EventId = LogEventIds.Traffic.ModelRejected, Level = LogLevel.Error, Message = "Cannot use the classifier model {Path}, keeping the previous one ({Previous}): {Reason}")]
    public static partial void ModelRejected(ILogger logger, string path, string previous, string reason);

    [LoggerMessage(EventId = LogEventIds.Traffic.ModelUnloaded, Level = LogLevel.Information, Message = "No classifier model configured: flows are stored unlabelled")]
    public static partial void ModelUnloaded(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Traffic.LabellingSummary, Level = LogLevel.Information, Message = "{Labelled} flows labelled, {Unknown} of them unknown")]
    public static partial void LabellingSummary(ILogger logger, long labelled, long unknown);
}
