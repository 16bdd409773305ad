namespace Jumpstart.Shared.Iso9660;

/// <summary>One file, directory or symlink found in an image.</summary>
/// <param name="Path">Slash-separated path from the root, without a leading slash.</param>
/// <param name="Kind">File, directory or symlink.</param>
/// <param name="Size">Data length in bytes (0 for symlinks).</param>
/// <param name="Mode">POSIX permission bits from Rock Ridge PX, or null when the image has no Rock Ridge.</param>
/// <param name="SymlinkTarget">The Rock Ridge SL target for symlinks.</param>
public sealed record IsoEntry(string Path, IsoEntryKind Kind, long Size, int? Mode, string? SymlinkTarget)
{
    /// <summary>First sector of the data (after any extended attribute record).</summary>
    internal long Extent { get; init; }

    /// <summary>The last path component.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
}
