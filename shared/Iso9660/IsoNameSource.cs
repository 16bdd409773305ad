namespace Jumpstart.Shared.Iso9660;

/// <summary>Which directory hierarchy an image's names were taken from.</summary>
public enum IsoNameSource
{
    /// <summary>Plain ECMA-119 identifiers (upper case, 8.3, version suffix removed).</summary>
    Iso9660,

    /// <summary>The Joliet supplementary hierarchy (UCS-2 names up to 64 characters).</summary>
    Joliet,

    /// <summary>Rock Ridge NM entries in the primary hierarchy (POSIX names, modes, symlinks).</summary>
    RockRidge,
}
