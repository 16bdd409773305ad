using System.Diagnostics;
using System.Text.Json;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cluster.Deployments.Images;

/// <summary>
/// The image schemes of a cluster deployment (<see cref="IDeploymentImages"/>), made with each host's own image service
/// through <see cref="DeploymentImagesRequest.Call"/>: <c>image.replicate</c> for a copy, <c>image.add</c> with upstreams
/// for a pseudo image or a host that reads another's. <see cref="ImageServingPlan"/> decides who serves whom;
/// <see cref="AutoImageScheme"/> answers <c>auto</c>.
/// </summary>
/// <remarks>
/// A host that already serves an image of that name keeps it (a rerun, or an image made by hand): it is reported as it is
/// and not made again. Copies are unicast (parallel NBD streams from the origin): multicast image replication is a
/// CLI-side uftp transfer that no control method drives yet. Servers are made before the hosts that read them, so a
/// reader's first upstream is its server and its second the origin (fail-over when the server goes away).
/// </remarks>
public sealed class DeploymentImages(IOptions<ClusterOptions> options, ILogger<DeploymentImages> logger) : IDeploymentImages
{
    private const string Operation = "deploy.images";

    public async Task<DeploymentImagesResult> PrepareAsync(DeploymentImagesRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var scheme = ImageScheme.Parse(request.Scheme);
        var clonesPerHost = request.ClonesPerHost.Where(h => h.Value > 0).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
        if (clonesPerHost.Count == 0)
        {
            throw new ClusterRequestException("no host runs a clone: nothing to prepare images for");
        }

        var existing = await ListAllAsync(request, clonesPerHost.Keys.Append(request.Origin).Distinct(StringComparer.Ordinal), cancellationToken);
        var real = existing[request.Origin]
            ?? throw new ClusterRequestException($"no host serves base image {request.Image}: {request.Origin} has no image of that name");
        if (real.Problem is not null || real.RemoteUri is null)
        {
            throw new ClusterRequestException(real.Problem is not null
                ? $"base image {request.Image} on {request.Origin} is not served: {real.Problem}"
                : $"base image {request.Image} on {request.Origin} is not served to peers: its hostd has no TCP listener (Images:Listen)");
        }

        string? reason = null;
        if (scheme.Kind == ImageScheme.Auto)
        {
            (scheme, reason) = AutoImageScheme.Pick(real.Size, clonesPerHost.Values.Sum(), clonesPerHost.Count, options.Value.AssumedLinkMbps);
        }

        var servers = ImageServingPlan.Servers(scheme.Images, request.Origin, clonesPerHost);
        if (servers != scheme.Images)
        {
            reason = Join(reason, $"{scheme} asks for {scheme.Images} image servers; the deployment has {servers} host(s) to hold them");
        }

        var plan = ImageServingPlan.For(scheme.Kind == ImageScheme.Pseudo ? ImageServingPlan.Pseudo : ImageServingPlan.Copy, scheme.Kind == ImageScheme.Shared ? 1 : servers, request.Origin, clonesPerHost);
        DeploymentImagesLog.Preparing(logger, request.Image, scheme.ToString(), servers, clonesPerHost.Count);
        Report(progress, "plan", $"{scheme}: {string.Join(", ", plan.Select(p => $"{p.Host} {p.Kind}{(p.Server != p.Host ? " <- " + p.Server : string.Empty)}"))}");

        // Servers first (their copies or pseudo images), then the hosts that read them.
        var uris = new Dictionary<string, string>(StringComparer.Ordinal) { [request.Origin] = real.RemoteUri };
        var done = new List<DeploymentHostImage>();
        var serverSteps = plan.Where(p => p.Kind is ImageServingPlan.Copy or ImageServingPlan.Pseudo)
            .Select(p => MakeAsync(request, p, existing[p.Host], [real.RemoteUri], progress, cancellationToken));
        foreach (var (host, uri) in await Task.WhenAll(serverSteps))
        {
            done.Add(host);
            uris[host.Host] = uri ?? real.RemoteUri;
        }

        var readerSteps = plan.Where(p => p.Kind == ImageServingPlan.Upstream)
            .Select(p => MakeAsync(request, p, existing[p.Host], uris[p.Server] == real.RemoteUri ? [real.RemoteUri] : [uris[p.Server], real.RemoteUri], progress, cancellationToken));
        done.AddRange((await Task.WhenAll(readerSteps)).Select(r => r.Host));
        if (plan.FirstOrDefault(p => p.Kind == ImageServingPlan.Real) is { } origin)
        {
            done.Insert(0, new DeploymentHostImage { Host = origin.Host, Kind = ImageServingPlan.Real, Seconds = 0 });
        }

        DeploymentImagesLog.Prepared(logger, request.Image, scheme.ToString(), clock.Elapsed.TotalSeconds);
        return new DeploymentImagesResult { Scheme = scheme.ToString(), Image = request.Image, Seconds = clock.Elapsed.TotalSeconds, Reason = reason, Hosts = done };
    }

    /// <summary>Makes one host's image (or keeps the one it has); returns what it holds and where peers read it.</summary>
    private async Task<(DeploymentHostImage Host, string? Uri)> MakeAsync(
        DeploymentImagesRequest request, ImageServingHost part, ImageInfo? present, string[] upstreams, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (present is not null)
        {
            DeploymentImagesLog.Kept(logger, request.Image, part.Host, present.Kind);
            Report(progress, part.Host, $"keeps its {present.Kind} image {request.Image}");
            var kind = present.Kind == "pseudo" ? (part.Kind == ImageServingPlan.Upstream ? ImageServingPlan.Upstream : ImageServingPlan.Pseudo) : ImageServingPlan.Copy;
            return (new DeploymentHostImage { Host = part.Host, Kind = kind, Upstream = present.ActiveUpstream, Seconds = 0 }, present.RemoteUri);
        }

        Report(progress, part.Host, part.Kind == ImageServingPlan.Copy ? $"copying {request.Image} from {part.Server}" : $"{part.Kind} image {request.Image} reading {string.Join(", ", upstreams)}");
        var answer = part.Kind == ImageServingPlan.Copy
            ? await request.Call(part.Host, HostMethods.ImageReplicate, new ImageReplicateRequest { Name = request.Image, From = upstreams[0] }, progress, cancellationToken)
            : await request.Call(part.Host, HostMethods.ImageAdd, new ImageAddRequest { Name = request.Image, Upstreams = upstreams, Description = $"deployment image, reads {part.Server}" }, progress, cancellationToken);
        var info = answer.Deserialize<ImageInfo>(JsonRpcWire.SerializerOptions)
            ?? throw new ClusterRequestException($"{part.Host} answered {HostMethods.ImageAdd} with nothing");
        Report(progress, part.Host, $"{part.Kind} image {request.Image} ready after {clock.Elapsed.TotalSeconds:0.00} s");
        return (new DeploymentHostImage { Host = part.Host, Kind = part.Kind, Upstream = upstreams[0], Seconds = clock.Elapsed.TotalSeconds, Made = true }, info.RemoteUri);
    }

    private static async Task<Dictionary<string, ImageInfo?>> ListAllAsync(DeploymentImagesRequest request, IEnumerable<string> hosts, CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(hosts.Select(async host =>
        {
            var answer = await request.Call(host, HostMethods.ImageList, null, null, cancellationToken);
            var images = answer.Deserialize<ImageInfo[]>(JsonRpcWire.SerializerOptions) ?? [];
            return (host, image: images.FirstOrDefault(i => i.Name == request.Image));
        }));
        return lists.ToDictionary(l => l.host, l => l.image, StringComparer.Ordinal);
    }

    private static void Report(IProgress<ProgressNote>? progress, string stage, string detail) =>
        progress?.Report(new ProgressNote { Operation = Operation, Stage = stage, Detail = detail });

    private static string Join(string? first, string second) => first is null ? second : $"{first}; {second}";
}
