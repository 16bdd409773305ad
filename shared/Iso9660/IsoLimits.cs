namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// Bounds the reader and writer enforce. Metadata discs hold a few small files, so these are far
/// above anything legitimate and far below what would let a hostile image exhaust memory or time.
/// </summary>
public static class IsoLimits
{
    /// <summary>Deepest directory nesting the reader follows (ECMA-119 6.8.2.1 allows 8; Rock Ridge and xorriso go deeper).</summary>
    public const int MaxReadDepth = 64;

    /// <summary>Deepest nesting the writer produces: ECMA-119 6.8.2.1 limits a hierarchy to 8 levels, root included.</summary>
    public const int MaxWriteDepth = 8;

    /// <summary>Most directory records (files and directories) the reader accepts in one image.</summary>
    public const int MaxEntries = 65_536;

    /// <summary>Largest directory extent the reader loads.</summary>
    public const int MaxDirectoryBytes = 4 << 20;

    /// <summary>Most directory and continuation-area bytes read while opening one image, so overlapping extents cannot multiply the work.</summary>
    public const int MaxMetadataBytes = 64 << 20;

    /// <summary>Largest file <see cref="IsoImage.ReadFile(IsoEntry, int)"/> returns unless the caller asks for less.</summary>
    public const int MaxFileBytes = 64 << 20;

    /// <summary>Largest image the writer builds (it assembles the image in memory).</summary>
    public const long MaxImageBytes = 256L << 20;

    /// <summary>Most volume descriptors read before the set terminator (ECMA-119 8.3).</summary>
    public const int MaxVolumeDescriptors = 32;

    /// <summary>Most SUSP continuation areas (CE, IEEE P1281 5.1) followed for one directory record.</summary>
    public const int MaxContinuations = 16;

    /// <summary>Longest Rock Ridge name or symlink target, in bytes, after joining NM/SL continuations.</summary>
    public const int MaxRockRidgeNameBytes = 1024;

    /// <summary>Longest file name component in bytes (POSIX NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest path the reader builds, in characters.</summary>
    public const int MaxPathChars = 4096;

    /// <summary>Longest Joliet name in UCS-2 characters (Joliet specification, 1995, section 3.3).</summary>
    public const int MaxJolietNameChars = 64;
}
