using System.Diagnostics;
using System.Globalization;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Nbd.Client;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images;

/// <summary>The pseudo-image side of the service: open over replicas, live switch, fill.</summary>
public sealed partial class ImageService
{
    /// <summary>Fill progress goes to the client at most this often.</summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Points a pseudo image's misses at <see cref="ImageSwitchRequest.Upstream"/>, adding it if new; VMs stay connected.</summary>
    public async Task<ImageInfo> SwitchAsync(ImageSwitchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var upstream = NbdUri.Parse(request.Upstream).ToString();
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var image = Require(request.Name);
            var replicas = image.Replicas ?? throw ImageException.BadRequest($"image {request.Name} is a {image.Entry.Kind} image; only pseudo images have upstreams");
            if (!replicas.Replicas.Contains(upstream))
            {
                replicas.Add(ReplicaSource.ForNbd(NbdUri.Parse(upstream)));
            }

            replicas.SwitchTo(upstream);
            image.Entry = image.Entry with
            {
                Upstreams = image.Entry.Upstreams.Contains(upstream) ? image.Entry.Upstreams : [.. image.Entry.Upstreams, upstream],
                ActiveUpstream = upstream,
            };
            RequireCatalog().Put(image.Entry);
            ImageServiceLog.Switched(_logger, request.Name, upstream);
            return Describe(image);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Fetches every missing block of a pseudo image (rate-limited), so it becomes a full replica.</summary>
    public async Task<ImageInfo> FillAsync(ImageFillRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.RateBytesPerSecond);
        var image = Require(request.Name);
        var pseudo = image.Pseudo ?? throw ImageException.BadRequest($"image {request.Name} is a {image.Entry.Kind} image; it is complete already");
        var clock = Stopwatch.StartNew();
        var before = pseudo.Status.BytesFetched;
        var report = progress is null ? null : new Progress<FillProgress>(p => progress.Report(string.Create(
            CultureInfo.InvariantCulture,
            $"{p.Fraction * 100:F1}% ({p.BytesPresent}/{p.BytesTotal} bytes, {p.BytesPerSecond / 1e6:F1} MB/s)")));
        await pseudo.FillAsync(request.RateBytesPerSecond, report, cancellationToken);
        ImageServiceLog.Filled(_logger, request.Name, pseudo.Status.BytesFetched - before, clock.Elapsed.TotalSeconds);
        return Describe(image);
    }

    private async Task<ServedImage> OpenPseudoAsync(ImageEntry entry, CancellationToken cancellationToken)
    {
        var upstreams = entry.Upstreams.Select(u => ReplicaSource.ForNbd(NbdUri.Parse(u))).ToList();
        // The last switch wins across restarts: the active upstream first, the rest in their order.
        if (entry.ActiveUpstream is { } active && upstreams.FindIndex(u => u.Name == active) is var index and > 0)
        {
            var chosen = upstreams[index];
            upstreams.RemoveAt(index);
            upstreams.Insert(0, chosen);
        }

        var replicas = await ReplicaSet.ConnectAsync(upstreams, options: null, loggerFactory.CreateLogger<ReplicaSet>(), cancellationToken);
        try
        {
            var pseudo = await PseudoImage.OpenAsync(
                new PseudoImageOptions
                {
                    CacheDirectory = entry.CacheDirectory!,
                    Identity = $"jumpstart-image:{entry.Name}",
                    ExtentSize = entry.ExtentSize > 0 ? entry.ExtentSize : options.Value.ExtentSize,
                    ReadAheadExtents = options.Value.ReadAheadExtents,
                    Description = entry.Description ?? string.Empty,
                },
                replicas,
                loggerFactory.CreateLogger<PseudoImage>(),
                cancellationToken);
            return new ServedImage { Entry = entry, Export = pseudo, Pseudo = pseudo, Replicas = replicas };
        }
        catch
        {
            await replicas.DisposeAsync();
            throw;
        }
    }
}
