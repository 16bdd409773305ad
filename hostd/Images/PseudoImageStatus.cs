namespace Jumpstart.Hostd.Images;

/// <summary>A snapshot of a <see cref="PseudoImage"/>: how much it holds and how it has been served.</summary>
public sealed record PseudoImageStatus
{
    /// <summary>Image size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Extent size in bytes.</summary>
    public required int ExtentSize { get; init; }

    /// <summary>Extents held locally.</summary>
    public required long ExtentsPresent { get; init; }

    /// <summary>Extents in the image.</summary>
    public required long ExtentsTotal { get; init; }

    /// <summary>Bytes held locally.</summary>
    public required long BytesPresent { get; init; }

    /// <summary>Bytes fetched from upstream since open.</summary>
    public required long BytesFetched { get; init; }

    /// <summary>Extents fetched from upstream since open.</summary>
    public required long ExtentsFetched { get; init; }

    /// <summary>Extent touches by client reads that found the extent present.</summary>
    public required long Hits { get; init; }

    /// <summary>Extent touches by client reads that had to wait for a fetch.</summary>
    public required long Misses { get; init; }

    /// <summary>The upstream's name (for a replica set: the current primary).</summary>
    public required string Upstream { get; init; }

    /// <summary>Whether every extent is present: the pseudo image is a full replica.</summary>
    public bool Complete => ExtentsPresent == ExtentsTotal;
}
