using Jumpstart.Shared.Nbd.Client;

namespace Jumpstart.Hostd.Cli;

/// <summary>The pseudo-image options shared by <c>jumpstart image serve --upstream</c> and <c>jumpstart image fill</c>.</summary>
public sealed record PseudoImageCliOptions
{
    /// <summary>Replicas of the image in fail-over order.</summary>
    public required IReadOnlyList<NbdUri> Upstreams { get; init; }

    /// <summary>Cache directory (data + present bitmap).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Export name, also the cache's identity.</summary>
    public required string Name { get; init; }

    /// <summary>Connect to every upstream at start and refuse one whose size differs.</summary>
    public bool SizeCheck { get; init; }

    /// <summary>Extent size in bytes.</summary>
    public int ExtentSize { get; init; } = Images.PseudoImageOptions.DefaultExtentSize;

    /// <summary>Read-ahead window in extents.</summary>
    public int ReadAhead { get; init; } = 8;

    /// <summary>Record first accesses to this file, or null.</summary>
    public string? RecordAccess { get; init; }

    /// <summary>Replay this access log in the background after start, or null.</summary>
    public string? Replay { get; init; }
}
