using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cms;

/// <summary>The CMS's log messages (event ids 3000-3099).</summary>
internal static partial class CmsLog
{
    [LoggerMessage(EventId = LogEventIds.Cms.Listening, Level = LogLevel.Information, Message = "CMS listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = LogEventIds.Cms.DeploymentCreated, Level = LogLevel.Information, Message = "Deployment {DeploymentId} created: {Expected} instances, policy {Policy}")]
    public static partial void DeploymentCreated(ILogger logger, string deploymentId, int expected, string policy);

    [LoggerMessage(EventId = LogEventIds.Cms.DeploymentDeleted, Level = LogLevel.Information, Message = "Deployment {DeploymentId} deleted")]
    public static partial void DeploymentDeleted(ILogger logger, string deploymentId);

    [LoggerMessage(EventId = LogEventIds.Cms.Registered, Level = LogLevel.Information, Message = "Instance {InstanceId} of {DeploymentId} registered as {Role}")]
    public static partial void Registered(ILogger logger, string deploymentId, string instanceId, string role);

    [LoggerMessage(EventId = LogEventIds.Cms.Reported, Level = LogLevel.Information, Message = "Instance {InstanceId} of {DeploymentId} reported {Phase}: {Detail}")]
    public static partial void Reported(ILogger logger, string deploymentId, string instanceId, string phase, string? detail);

    [LoggerMessage(EventId = LogEventIds.Cms.Refused, Level = LogLevel.Warning, Message = "Refused {Method}: {Message} (code {Code})")]
    public static partial void Refused(ILogger logger, string method, int code, string message);

    [LoggerMessage(EventId = LogEventIds.Cms.PolicyStderr, Level = LogLevel.Debug, Message = "Policy of {DeploymentId} says: {Line}")]
    public static partial void PolicyStderr(ILogger logger, string deploymentId, string line);

    [LoggerMessage(EventId = LogEventIds.Cms.Stopped, Level = LogLevel.Information, Message = "CMS stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Cms.FollowsClusterStore, Level = LogLevel.Information, Message = "CMS keeps its state in {Store} (prefix {Prefix}) from now on, as the cluster's manager does (Cms:Store unset); it was in {Previous}, whose deployments it no longer serves")]
    public static partial void FollowsClusterStore(ILogger logger, string store, string prefix, string previous);

    [LoggerMessage(EventId = LogEventIds.Cms.StoreSwitchFailed, Level = LogLevel.Error, Message = "CMS could not move to {Store}: {Reason}; it runs on {Current} (restart hostd once the store answers, or set Cms:Store)")]
    public static partial void StoreSwitchFailed(ILogger logger, string store, string reason, string current);

}
