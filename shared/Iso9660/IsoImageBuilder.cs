using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// Builds an ISO 9660 image with Joliet and Rock Ridge from files held in memory. The same files,
/// label and timestamp always give the same bytes.
/// </summary>
/// <remarks>
/// Layout: System Area, Primary and Joliet Supplementary volume descriptors and the terminator
/// (ECMA-119 6.2, 8; Joliet 4), four path tables (9.4), primary directories with Rock Ridge entries
/// (IEEE P1282 4.1), their SUSP continuation areas (IEEE P1281 5.1), Joliet directories, then file data.
/// Sized for metadata discs: the image is assembled in memory, bounded by <see cref="IsoLimits.MaxImageBytes"/>.
/// </remarks>
public sealed partial class IsoImageBuilder
{
    /// <summary>Default permissions: what genisoimage -r gives (readable by all; directories searchable).</summary>
    public const int DefaultFileMode = 0x1A4; // 0644

    public const int DefaultDirectoryMode = 0x1ED; // 0755

    private const int MaxLabelChars = IsoLayout.Descriptor.VolumeIdentifierLength;
    // Worst case "a/a/...": three bytes per component must still fit one 255-byte SL entry.
    private const int MaxSymlinkTargetBytes = 160;

    private readonly IsoBuildNode _root = new(string.Empty, IsoEntryKind.Directory, DefaultDirectoryMode, parent: null);
    private long _contentBytes;

    /// <param name="volumeLabel">Volume identifier, at most 32 printable ASCII characters (ECMA-119 8.4.6).</param>
    /// <param name="timestamp">Every date in the image; fixing it makes the output reproducible.</param>
    public IsoImageBuilder(string volumeLabel, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(volumeLabel);
        if (volumeLabel.Length is 0 or > MaxLabelChars || volumeLabel.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException($"a volume label is 1 to {MaxLabelChars} printable ASCII characters, not '{volumeLabel}'", nameof(volumeLabel));
        }

        VolumeLabel = volumeLabel;
        Timestamp = timestamp;
    }

    public string VolumeLabel { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>Adds a directory (and any missing parents).</summary>
    public void AddDirectory(string path, int mode = DefaultDirectoryMode) => GetOrAddDirectory(SplitPath(path), mode);

    /// <summary>Adds a file (and any missing parent directories). The content is referenced, not copied.</summary>
    public void AddFile(string path, ReadOnlyMemory<byte> content, int mode = DefaultFileMode)
    {
        if (_contentBytes + content.Length > IsoLimits.MaxImageBytes)
        {
            throw new ArgumentException($"the image would exceed {IsoLimits.MaxImageBytes} bytes", nameof(content));
        }

        var parts = SplitPath(path);
        var parent = GetOrAddDirectory(parts[..^1], DefaultDirectoryMode);
        AddChild(parent, new IsoBuildNode(parts[^1], IsoEntryKind.File, mode, parent) { Content = content });
        _contentBytes += content.Length;
    }

    /// <summary>Adds a Rock Ridge symbolic link (readers without Rock Ridge see an empty file).</summary>
    public void AddSymlink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (Encoding.UTF8.GetByteCount(target) > MaxSymlinkTargetBytes || target.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"a symlink target is at most {MaxSymlinkTargetBytes} bytes without NUL", nameof(target));
        }

        var parts = SplitPath(path);
        var parent = GetOrAddDirectory(parts[..^1], DefaultDirectoryMode);
        AddChild(parent, new IsoBuildNode(parts[^1], IsoEntryKind.Symlink, 0x1FF, parent) { SymlinkTarget = target });
    }

    /// <summary>Writes the image to <paramref name="destination"/>.</summary>
    public void Build(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var image = BuildImage();
        destination.Write(image);
    }

    /// <summary>Returns the image as one array.</summary>
    public byte[] BuildImage()
    {
        var layout = Lay();
        var image = new byte[(long)layout.TotalSectors * IsoLayout.SectorSize];
        WriteImage(layout, image);
        return image;
    }

    private IsoBuildNode GetOrAddDirectory(string[] parts, int mode)
    {
        var node = _root;
        foreach (var part in parts)
        {
            if (!node.Children.TryGetValue(part, out var child))
            {
                child = new IsoBuildNode(part, IsoEntryKind.Directory, mode, node);
                AddChild(node, child);
            }
            else if (child.Kind != IsoEntryKind.Directory)
            {
                throw new ArgumentException($"'{part}' already exists and is not a directory");
            }

            node = child;
        }

        return node;
    }

    private static void AddChild(IsoBuildNode parent, IsoBuildNode child)
    {
        if (child.Kind == IsoEntryKind.Directory && child.Depth > IsoLimits.MaxWriteDepth)
        {
            throw new ArgumentException($"directories nest at most {IsoLimits.MaxWriteDepth} levels deep (ECMA-119 6.8.2.1)");
        }

        if (!parent.Children.TryAdd(child.Name, child))
        {
            throw new ArgumentException($"'{child.Name}' already exists");
        }
    }

    private static string[] SplitPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            if (part is "." or ".." || part.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(part) > IsoLimits.MaxNameBytes)
            {
                throw new ArgumentException($"'{path}' has an invalid component '{part}'", nameof(path));
            }
        }

        return parts.Length == 0 ? throw new ArgumentException("a path names at least one component", nameof(path)) : parts;
    }
}
