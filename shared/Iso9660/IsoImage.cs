using Jumpstart.Shared.IO;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// A read-only view of an ISO 9660 image (file or block device). Names come from Rock Ridge when
/// present, else from Joliet, else from the plain ECMA-119 identifiers. The whole directory tree is
/// read and checked when the image is opened; file data is read on demand.
/// </summary>
/// <remarks>
/// Hostile images are expected: every location and length is checked against the image size and
/// <see cref="IsoLimits"/> before anything is allocated, directory extents are visited once (a loop
/// is an error), and all failures are <see cref="IsoFormatException"/>.
/// </remarks>
public sealed partial class IsoImage : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<IsoEntry> _entries = [];
    private readonly Dictionary<string, IsoEntry> _byPath = new(StringComparer.Ordinal);
    private long _imageBytes;
    private long _metadataBytesRead;
    private int _recordsRead;

    private IsoImage(Stream stream, bool leaveOpen)
    {
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("an ISO image is read from a seekable, readable stream", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        var length = stream.Length;

        // A block device reports length 0; the primary descriptor's volume size bounds it instead.
        _imageBytes = length > 0 ? length : long.MaxValue;
        var (primary, joliet) = ReadDescriptors();
        VolumeLabel = primary.Label.Length > 0 || joliet is null ? primary.Label : joliet.Label;

        var suspSkip = FindRockRidge(primary);
        if (suspSkip is { } skip)
        {
            NameSource = IsoNameSource.RockRidge;
            ReadTree(primary, skip);
        }
        else if (joliet is not null)
        {
            NameSource = IsoNameSource.Joliet;
            ReadTree(joliet, 0);
        }
        else
        {
            NameSource = IsoNameSource.Iso9660;
            ReadTree(primary, 0);
        }

        _entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
    }

    /// <summary>The volume identifier (ECMA-119 8.4.6) without padding.</summary>
    public string VolumeLabel { get; }

    /// <summary>Which hierarchy the names came from.</summary>
    public IsoNameSource NameSource { get; }

    /// <summary>Every file, directory and symlink, sorted by path.</summary>
    public IReadOnlyList<IsoEntry> Entries => _entries;

    /// <summary>Opens an image file or a block device such as <c>/dev/sr0</c>.</summary>
    /// <exception cref="IsoFormatException">Not ISO 9660 (also a directory, a character device or a FIFO), or malformed.</exception>
    public static IsoImage Open(string path)
    {
        FileStream stream;
        try
        {
            stream = BoundedFile.Open(path, FileKinds.Regular | FileKinds.BlockDevice, IsoLayout.SectorSize);
        }
        catch (InputFileException ex)
        {
            throw new IsoFormatException($"not an image: {ex.Message}", ex);
        }

        return Open(stream, leaveOpen: false);
    }

    /// <summary>Opens an image held in a seekable stream.</summary>
    /// <exception cref="IsoFormatException">Not ISO 9660, or malformed.</exception>
    public static IsoImage Open(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return new IsoImage(stream, leaveOpen);
        }
        catch when (!leaveOpen)
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The entry at <paramref name="path"/> (leading slash optional), or null. Plain ISO names also match case-insensitively.</summary>
    public IsoEntry? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var key = path.Trim('/');
        if (_byPath.TryGetValue(key, out var entry))
        {
            return entry;
        }

        return NameSource == IsoNameSource.Iso9660
            ? _entries.FirstOrDefault(e => string.Equals(e.Path, key, StringComparison.OrdinalIgnoreCase))
            : null;
    }

    /// <summary>Reads a whole file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="IsoFormatException">The file is larger than <paramref name="maxBytes"/> or lies outside the image.</exception>
    public byte[] ReadFile(string path, int maxBytes = IsoLimits.MaxFileBytes)
    {
        var entry = Find(path);
        return entry is { Kind: IsoEntryKind.File }
            ? ReadFile(entry, maxBytes)
            : throw new FileNotFoundException($"no file '{path}' in the image", path);
    }

    /// <summary>Reads a whole file.</summary>
    /// <exception cref="IsoFormatException">The file is larger than <paramref name="maxBytes"/> or lies outside the image.</exception>
    public byte[] ReadFile(IsoEntry entry, int maxBytes = IsoLimits.MaxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != IsoEntryKind.File)
        {
            throw new ArgumentException($"'{entry.Path}' is not a file", nameof(entry));
        }

        if (entry.Size > maxBytes)
        {
            IsoThrow.Format($"file '{entry.Path}' is {entry.Size} bytes, more than the limit of {maxBytes}");
        }

        var data = new byte[entry.Size];
        ReadAt((long)entry.Extent * IsoLayout.SectorSize, data, $"file '{entry.Path}'");
        return data;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>, or throws: never past the image's end.</summary>
    private void ReadAt(long offset, Span<byte> buffer, string what)
    {
        if (offset < 0 || offset > _imageBytes - buffer.Length)
        {
            IsoThrow.Format($"{what} at byte {offset} (+{buffer.Length}) lies past the end of the image ({_imageBytes} bytes)");
        }

        _stream.Position = offset;
        if (_stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            IsoThrow.Format($"the image is truncated: {what} at byte {offset} could not be read in full");
        }
    }
}
