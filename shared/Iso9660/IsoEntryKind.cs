namespace Jumpstart.Shared.Iso9660;

/// <summary>What a directory record describes.</summary>
public enum IsoEntryKind
{
    File,
    Directory,

    /// <summary>A Rock Ridge symbolic link (RRIP SL entry); it has no data.</summary>
    Symlink,
}
