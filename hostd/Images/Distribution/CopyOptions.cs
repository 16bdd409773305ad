namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>How <see cref="ImageCopier"/> copies an image.</summary>
public sealed record CopyOptions
{
    /// <summary>Most parallel streams per destination.</summary>
    public const int MaxStreams = 64;

    /// <summary>Largest chunk one stream reads at a time (also bounds pooled memory: streams × chunk).</summary>
    public const int MaxChunkSize = 32 * 1024 * 1024;

    /// <summary>P: reads in flight per destination.</summary>
    public int Streams { get; init; } = 4;

    /// <summary>Bytes per read; also the granularity of hole detection.</summary>
    public int ChunkSize { get; init; } = 1024 * 1024;

    /// <summary>Only these ranges (the rest of the destination stays a hole); null copies the whole image.</summary>
    public IReadOnlyList<ImageRegion>? Regions { get; init; }

    /// <summary>Leave all-zero chunks as holes instead of writing them.</summary>
    public bool Sparse { get; init; } = true;

    /// <summary>Least time between two progress reports (the last one is always sent).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (Streams is < 1 or > MaxStreams)
        {
            throw new ArgumentOutOfRangeException(nameof(Streams), Streams, $"streams must be 1..{MaxStreams}");
        }

        if (ChunkSize is < 4096 or > MaxChunkSize || ChunkSize % 4096 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, $"chunk size must be a multiple of 4 KiB up to {MaxChunkSize} bytes");
        }
    }
}
