using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Deployments.Images;

/// <summary>The deployment image schemes' log messages (cluster range, 4990-4992).</summary>
internal static partial class DeploymentImagesLog
{
    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentImagesPreparing, Level = LogLevel.Information, Message = "Image {Image} for a deployment: {Scheme}, {Servers} image server(s) for {Hosts} host(s)")]
    public static partial void Preparing(ILogger logger, string image, string scheme, int servers, int hosts);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentImagesKept, Level = LogLevel.Information, Message = "Image {Image} on {Host}: kept the {Kind} image it serves")]
    public static partial void Kept(ILogger logger, string image, string host, string kind);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentImagesPrepared, Level = LogLevel.Information, Message = "Image {Image} for a deployment ready by {Scheme} after {Seconds:0.00} s")]
    public static partial void Prepared(ILogger logger, string image, string scheme, double seconds);
}
