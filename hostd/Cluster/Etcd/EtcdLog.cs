using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>The control plane's log messages (event ids 5000-5099).</summary>
internal static partial class EtcdLog
{
    [LoggerMessage(EventId = LogEventIds.ControlPlane.Leading, Level = LogLevel.Warning, Message = "{Manager} leads the cluster (election {Election})")]
    public static partial void Leading(ILogger logger, string manager, string election);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.LostLeadership, Level = LogLevel.Warning, Message = "{Manager} stopped leading (election {Election}): its etcd lease could not be kept alive")]
    public static partial void LostLeadership(ILogger logger, string manager, string election);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.CampaignFailed, Level = LogLevel.Warning, Message = "Campaign in election {Election} failed, trying again: {Reason}")]
    public static partial void CampaignFailed(ILogger logger, string election, string reason);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.ManagerAdded, Level = LogLevel.Warning, Message = "{Name} at {Endpoint} is a manager of the cluster now")]
    public static partial void ManagerAdded(ILogger logger, string name, string endpoint);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.LivenessWatchFailed, Level = LogLevel.Warning, Message = "The leader's watch of host leases failed, starting it again: {Reason}")]
    public static partial void LivenessWatchFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.Promoted, Level = LogLevel.Warning, Message = "This host ({Name}) becomes a manager of the cluster on {Store}")]
    public static partial void Promoted(ILogger logger, string name, string store);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.ManagerFailover, Level = LogLevel.Warning, Message = "The manager {Manager} cannot be reached ({Reason}); trying {Next}")]
    public static partial void ManagerFailover(ILogger logger, string manager, string reason, string next);

    [LoggerMessage(EventId = LogEventIds.ControlPlane.PromotionFailed, Level = LogLevel.Error, Message = "This host ({Name}) could not start as a manager")]
    public static partial void PromotionFailed(ILogger logger, string name, Exception exception);
}
