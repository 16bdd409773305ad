using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Hostd.Images;

public sealed partial class ImageService
{
    /// <summary>The counters of every served image: its NBD export's, and its cache's when it is a pseudo image (for hostd's metrics).</summary>
    public IReadOnlyList<(string Image, NbdExportStatistics? Export, PseudoImageStatus? Cache)> AllStatistics()
        => [.. _images.Values.Select(image => (image.Entry.Name, Exports.StatisticsOf(image.Entry.Name), image.Pseudo?.Status))];
}
