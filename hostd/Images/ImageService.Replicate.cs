using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Nbd.Client;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Images;

/// <summary>Pre-deployment to this host: copy an image from a peer, then serve the copy as a real image.</summary>
public sealed partial class ImageService
{
    /// <summary>
    /// Copies <see cref="ImageReplicateRequest.From"/> (whole, or its listed regions) into
    /// {Directory}/NAME.raw with parallel reads, then adds it as a file image. The copy is written to a
    /// temporary file and renamed, so a failed copy leaves nothing behind.
    /// </summary>
    public async Task<ImageInfo> ReplicateAsync(ImageReplicateRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ImageCatalog.ValidateName(request.Name);
        if (_images.ContainsKey(request.Name))
        {
            throw ImageException.BadRequest($"image {request.Name} already exists; remove it first");
        }

        var regions = request.Regions is { Length: > 0 } listed ? ImageRegion.ParseList(listed) : null;
        var copyOptions = new CopyOptions { Streams = Math.Clamp(request.Streams, 1, CopyOptions.MaxStreams), Regions = regions };
        var destination = Path.Combine(RequireDirectory(), request.Name + ".raw");
        var clock = Stopwatch.StartNew();
        await using (var source = await NbdClient.ConnectAsync(NbdUri.Parse(request.From), cancellationToken: cancellationToken))
        {
            var report = progress is null ? null : new Progress<CopyProgress>(p => progress.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"{100.0 * p.BytesDone / Math.Max(1, p.BytesTotal):F1}% ({Quantities.FormatBytes(p.BytesDone)} of {Quantities.FormatBytes(p.BytesTotal)}, {Quantities.FormatRate(p.BytesPerSecond)})")));
            var copier = new ImageCopier(loggerFactory.CreateLogger<ImageCopier>());
            await copier.CopyAsync(source, destination, copyOptions, report, cancellationToken);
        }

        ImageServiceLog.Replicated(_logger, request.Name, request.From, new FileInfo(destination).Length, clock.Elapsed.TotalSeconds);
        return await AddAsync(new ImageAddRequest { Name = request.Name, File = destination, Description = $"replica of {request.From}" }, cancellationToken);
    }

    private string RequireDirectory()
    {
        _ = RequireCatalog();
        return Directory;
    }
}
