using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Shared.HostApi;

/// <summary><c>image.stats</c>: an image with its export's counters and, for a pseudo image, its cache counters.</summary>
public sealed record ImageStats
{
    public required ImageInfo Image { get; init; }

    public NbdExportStatistics? Export { get; init; }

    /// <summary>Pseudo images: reads answered from local blocks.</summary>
    public long Hits { get; init; }

    /// <summary>Pseudo images: reads that had to fetch.</summary>
    public long Misses { get; init; }

    /// <summary>Pseudo images: bytes fetched from upstreams.</summary>
    public long BytesFetched { get; init; }
}
