using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Remote;

/// <summary>Log entries of remote control.</summary>
internal static partial class RemoteControlLog
{
    [LoggerMessage(EventId = LogEventIds.Cluster.RemoteCallRelayed, Level = LogLevel.Information, Message = "Relaying {Method} from {From} to {Host}")]
    public static partial void Relayed(ILogger logger, string method, string from, string host);

    [LoggerMessage(EventId = LogEventIds.Cluster.RemoteCallRun, Level = LogLevel.Information, Message = "Running {Method} relayed by the manager")]
    public static partial void Run(ILogger logger, string method);

    [LoggerMessage(EventId = LogEventIds.Cluster.RemoteCallRefused, Level = LogLevel.Warning, Message = "Refused to run {Method} relayed by {Peer}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string peer, string reason);
}
