namespace Jumpstart.Hostd.Images;

/// <summary>One image of the catalog: what hostd serves again after a restart.</summary>
public sealed record ImageEntry
{
    public const string FileKind = "file";
    public const string PseudoKind = "pseudo";

    public required string Name { get; init; }

    /// <summary><see cref="FileKind"/> or <see cref="PseudoKind"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>File images: the raw file.</summary>
    public string? File { get; init; }

    /// <summary>Pseudo images: upstream NBD URIs in order of preference.</summary>
    public string[] Upstreams { get; init; } = [];

    /// <summary>Pseudo images: the upstream chosen last (kept across restarts).</summary>
    public string? ActiveUpstream { get; init; }

    /// <summary>Pseudo images: the directory holding the sparse data file and the present-bitmap.</summary>
    public string? CacheDirectory { get; init; }

    public int ExtentSize { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset AddedAt { get; init; }
}
