using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>Walking the directory hierarchy (ECMA-119 6.8, 9.1) with every bound checked.</summary>
public sealed partial class IsoImage
{
    private void ReadTree(VolumeDescriptor descriptor, int suspSkip)
    {
        var rockRidge = NameSource == IsoNameSource.RockRidge;
        var visited = new HashSet<long>();
        var pending = new Stack<PendingDirectory>();
        pending.Push(new PendingDirectory(descriptor.RootExtent, descriptor.RootSize, string.Empty, 1));
        while (pending.TryPop(out var directory))
        {
            if (!visited.Add(directory.Extent))
            {
                IsoThrow.Format($"directory '/{directory.Path}' loops back to sector {directory.Extent}");
            }

            foreach (var child in ReadDirectory(directory, descriptor.IsJoliet, rockRidge, suspSkip))
            {
                pending.Push(child);
            }
        }
    }

    private List<PendingDirectory> ReadDirectory(PendingDirectory directory, bool joliet, bool rockRidge, int suspSkip)
    {
        if (directory.Size is 0 or > IsoLimits.MaxDirectoryBytes)
        {
            IsoThrow.Format($"directory '/{directory.Path}' claims {directory.Size} bytes (allowed: 1 to {IsoLimits.MaxDirectoryBytes})");
        }

        var data = new byte[directory.Size];
        ReadMetadata(directory.Extent * IsoLayout.SectorSize, data, $"directory '/{directory.Path}'");
        var subdirectories = new List<PendingDirectory>();
        var position = 0;
        while (position < data.Length)
        {
            int length = data[position];
            if (length == 0)
            {
                // The rest of the sector is unused (ECMA-119 6.8.1.1): records resume at the next sector.
                position = (position / IsoLayout.SectorSize + 1) * IsoLayout.SectorSize;
                continue;
            }

            if (length < IsoLayout.Record.SelfRecordLength || (position % IsoLayout.SectorSize) + length > IsoLayout.SectorSize || length > data.Length - position)
            {
                IsoThrow.Format($"directory '/{directory.Path}' has a malformed record of {length} bytes at byte {position}");
            }

            var record = data.AsSpan(position, length);
            position += length;
            if (++_recordsRead > IsoLimits.MaxEntries)
            {
                IsoThrow.Format($"the image holds more than {IsoLimits.MaxEntries} directory records");
            }

            int identifierLength = record[IsoLayout.Record.IdentifierLength];
            if (IsoLayout.Record.FixedLength + identifierLength > length || identifierLength == 0)
            {
                IsoThrow.Format($"directory '/{directory.Path}' has a record whose identifier ({identifierLength} bytes) does not fit its length ({length})");
            }

            var identifier = record.Slice(IsoLayout.Record.Identifier, identifierLength);
            if (identifierLength == 1 && identifier[0] is IsoLayout.Record.SelfIdentifier or IsoLayout.Record.ParentIdentifier)
            {
                continue;
            }

            if (ReadRecord(directory, record, identifier, joliet, rockRidge, suspSkip) is { } subdirectory)
            {
                subdirectories.Add(subdirectory);
            }
        }

        return subdirectories;
    }

    /// <summary>Adds the entry a record describes; returns the directory to visit next, if it is one.</summary>
    private PendingDirectory? ReadRecord(PendingDirectory parent, ReadOnlySpan<byte> record, ReadOnlySpan<byte> identifier, bool joliet, bool rockRidge, int suspSkip)
    {
        var flags = record[IsoLayout.Record.Flags];
        if ((flags & IsoLayout.Record.FlagMultiExtent) != 0 || record[IsoLayout.Record.FileUnitSize] != 0 || record[IsoLayout.Record.InterleaveGap] != 0)
        {
            IsoThrow.Format($"directory '/{parent.Path}' holds a multi-extent or interleaved file, which metadata discs never need");
        }

        var extent = (long)BothEndian.Read32(record[IsoLayout.Record.ExtentLocation..]) + record[IsoLayout.Record.ExtendedAttributeLength];
        var dataLength = BothEndian.Read32(record[IsoLayout.Record.DataLength..]);
        var rr = default(RockRidgeFields);
        if (rockRidge)
        {
            // The system use area follows the identifier and its pad byte (ECMA-119 9.1.12, 9.1.13).
            var systemUseStart = IsoLayout.Record.Identifier + identifier.Length + (identifier.Length % 2 == 0 ? 1 : 0);
            rr = ReadRockRidge(record[Math.Min(systemUseStart, record.Length)..], suspSkip);
            if (rr.Relocated)
            {
                // RRIP 4.1.5.3: a relocated directory is shown where its CL placeholder stands.
                return null;
            }
        }

        var name = rr.Name ?? (joliet ? IsoNames.DecodeJoliet(identifier) : IsoNames.DecodeIso(identifier));
        CheckName(name, parent.Path);
        var path = parent.Path.Length == 0 ? name : $"{parent.Path}/{name}";
        if (path.Length > IsoLimits.MaxPathChars || _entries.Count >= IsoLimits.MaxEntries)
        {
            IsoThrow.Format($"the image exceeds {IsoLimits.MaxEntries} entries or {IsoLimits.MaxPathChars}-character paths");
        }

        if (rr.ChildLink is { } childLink)
        {
            extent = childLink;
            dataLength = ReadSelfRecordLength(childLink, path);
            flags |= IsoLayout.Record.FlagDirectory;
        }

        var mode = rr.Mode is { } m ? m & SuspEntries.PermissionMask : (int?)null;
        if ((flags & IsoLayout.Record.FlagDirectory) != 0)
        {
            if (parent.Depth + 1 > IsoLimits.MaxReadDepth)
            {
                IsoThrow.Format($"directory '/{path}' is nested deeper than {IsoLimits.MaxReadDepth} levels");
            }

            Add(new IsoEntry(path, IsoEntryKind.Directory, dataLength, mode, null) { Extent = extent });
            return new PendingDirectory(extent, dataLength, path, parent.Depth + 1);
        }

        if (rr.SymlinkTarget is { } target)
        {
            Add(new IsoEntry(path, IsoEntryKind.Symlink, 0, mode, target) { Extent = extent });
            return null;
        }

        if (dataLength > 0 && extent * IsoLayout.SectorSize > _imageBytes - dataLength)
        {
            IsoThrow.Format($"file '/{path}' ({dataLength} bytes at sector {extent}) extends past the end of the image");
        }

        Add(new IsoEntry(path, IsoEntryKind.File, dataLength, mode, null) { Extent = extent });
        return null;
    }

    /// <summary>Reads directory or continuation bytes, charging them to the per-image budget.</summary>
    private void ReadMetadata(long offset, Span<byte> buffer, string what)
    {
        _metadataBytesRead += buffer.Length;
        if (_metadataBytesRead > IsoLimits.MaxMetadataBytes)
        {
            IsoThrow.Format($"the image's directories exceed {IsoLimits.MaxMetadataBytes} bytes in total");
        }

        ReadAt(offset, buffer, what);
    }

    private void Add(IsoEntry entry)
    {
        // A repeated name (only a broken or hostile image has one) keeps its first record.
        if (_byPath.TryAdd(entry.Path, entry))
        {
            _entries.Add(entry);
        }
    }

    /// <summary>The size of a relocated directory, from the "." record at the start of its extent.</summary>
    private uint ReadSelfRecordLength(long extent, string path)
    {
        var self = new byte[IsoLayout.Record.SelfRecordLength];
        ReadAt(extent * IsoLayout.SectorSize, self, $"relocated directory '/{path}'");
        if (self[IsoLayout.Record.Length] < IsoLayout.Record.SelfRecordLength)
        {
            IsoThrow.Format($"relocated directory '/{path}' at sector {extent} has no \".\" record");
        }

        return BothEndian.Read32(self.AsSpan(IsoLayout.Record.DataLength));
    }

    /// <summary>Names become path components: nothing that could climb out of a directory or split a path.</summary>
    private static void CheckName(string name, string parentPath)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal)
            || Encoding.UTF8.GetByteCount(name) > IsoLimits.MaxRockRidgeNameBytes)
        {
            IsoThrow.Format($"directory '/{parentPath}' holds an invalid name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}'");
        }
    }

    /// <summary>A directory found but not yet read.</summary>
    private readonly record struct PendingDirectory(long Extent, uint Size, string Path, int Depth);
}
