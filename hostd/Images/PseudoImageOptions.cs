namespace Jumpstart.Hostd.Images;

/// <summary>How a <see cref="PseudoImage"/> keeps and fetches its blocks.</summary>
public sealed record PseudoImageOptions
{
    /// <summary>Default extent: the unit fetched, kept and marked present (the paper's "block", ≥ 1 MiB).</summary>
    public const int DefaultExtentSize = 1024 * 1024;

    /// <summary>Default size of each upstream read an extent is split into (issued concurrently).</summary>
    public const int DefaultFetchRequestSize = 256 * 1024;

    /// <summary>Extents at least this large (and a power of two); smaller ones make the bitmap and request overhead dominate.</summary>
    public const int MinExtentSize = 64 * 1024;

    /// <summary>Extents at most this large: one fetch buffer is this big.</summary>
    public const int MaxExtentSize = 64 * 1024 * 1024;

    /// <summary>The cache directory (created if missing): <c>data</c> (sparse image) and <c>present</c> (header + bitmap).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>What the cache holds a copy of (e.g. the export name); a cache made for another identity is refused.</summary>
    public required string Identity { get; init; }

    /// <summary>Extent size in bytes (a power of two between <see cref="MinExtentSize"/> and <see cref="MaxExtentSize"/>).</summary>
    public int ExtentSize { get; init; } = DefaultExtentSize;

    /// <summary>Size of each upstream read of a fetch.</summary>
    public int FetchRequestSize { get; init; } = DefaultFetchRequestSize;

    /// <summary>Extents fetched ahead of a detected sequential reader (0 disables read-ahead).</summary>
    public int ReadAheadExtents { get; init; } = 8;

    /// <summary>Where first accesses are recorded (extent indexes in first-access order), or null.</summary>
    public string? RecordAccessPath { get; init; }

    /// <summary>Description for NBD clients.</summary>
    public string Description { get; init; } = string.Empty;
}
