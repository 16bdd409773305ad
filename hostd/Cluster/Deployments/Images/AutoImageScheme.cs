using System.Globalization;
using Jumpstart.Hostd.Images.Planning;

namespace Jumpstart.Hostd.Cluster.Deployments.Images;

/// <summary>
/// <c>--images auto</c>: asks the image planner (hostd/Images/Planning, the paper's cost model) which scheme and how many
/// images give the least cloud time for this deployment, among the schemes a deployment can make (shared, unicast
/// copies, on-demand pseudo images).
/// </summary>
/// <remarks>
/// A deployment does not say how its application reads the disk, so the plan assumes the workload below (a boot and a
/// service start read a tenth of a base image, in small random reads); the reason carries the assumptions with the
/// prediction. The host link is <c>Cluster:AssumedLinkMbps</c>.
/// </remarks>
public static class AutoImageScheme
{
    /// <summary>Share of the image each clone reads.</summary>
    public const double ReadFraction = 0.1;

    /// <summary>A host's disk bandwidth for random reads, bytes per second.</summary>
    public const double DiskBytesPerSecond = 200e6;

    /// <summary>Round-trip time of a read from another host, seconds.</summary>
    public const double RemoteLatencySeconds = 0.0002;

    private static readonly DistributionScheme[] s_schemes = [DistributionScheme.Shared, DistributionScheme.PreDeployUnicast, DistributionScheme.OnDemand];

    /// <summary>The planner's pick for <paramref name="clones"/> clones over <paramref name="hosts"/> hosts and why.</summary>
    public static (ImageScheme Scheme, string Reason) Pick(long imageBytes, int clones, int hosts, int linkMbps)
    {
        if (imageBytes <= 0 || clones < 1 || hosts < 1 || linkMbps < 1)
        {
            throw new ClusterRequestException($"cannot plan images: image {imageBytes} bytes, {clones} clones on {hosts} hosts, link {linkMbps} Mbit/s");
        }

        var input = new PlanInput
        {
            Vms = clones,
            Hosts = Math.Min(hosts, clones),
            ImageSize = imageBytes,
            ReadPerVm = (long)(imageBytes * ReadFraction),
            Pattern = AccessPattern.Random,
            DiskBandwidth = DiskBytesPerSecond,
            NetworkBandwidth = linkMbps * 1e6 / 8,
            Latency = RemoteLatencySeconds,
            MaxImages = Math.Min(hosts, ImageScheme.MaxImages),
        };
        var best = ImagePlanner.Plan(input, s_schemes).Best;
        var scheme = best.Scheme switch
        {
            DistributionScheme.PreDeployUnicast => new ImageScheme(ImageScheme.Copies, best.Images),
            DistributionScheme.OnDemand => new ImageScheme(ImageScheme.Pseudo, best.Images),
            _ => new ImageScheme(ImageScheme.Shared, 1),
        };
        var reason = string.Create(
            CultureInfo.InvariantCulture,
            $"planner: {scheme} predicts cloud time {best.CloudSeconds:0.00} s (distribution {best.DistributionSeconds:0.00} s, access delay {best.AccessDelaySeconds:0.00} s) for {clones} clones on {input.Hosts} hosts, assuming each reads {ReadFraction:P0} of the {imageBytes} B image in 4 KiB random reads, disks of {DiskBytesPerSecond / 1e6:0} MB/s, links of {linkMbps} Mbit/s and {RemoteLatencySeconds * 1000:0.0} ms per remote read");
        return (scheme, reason);
    }
}
