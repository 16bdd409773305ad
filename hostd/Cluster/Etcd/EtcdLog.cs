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
}
