namespace Jumpstart.Shared.Iso9660;

/// <summary>Assigns identifiers, orders, sizes and sectors before anything is written.</summary>
public sealed partial class IsoImageBuilder
{
    /// <summary>Sector 16 PVD, 17 Joliet SVD, 18 terminator; the path tables start after them.</summary>
    private const int FirstPathTableSector = IsoLayout.FirstDescriptorSector + 3;

    private ImageLayout Lay()
    {
        var layout = new ImageLayout();
        AssignIdentifiers(_root);
        layout.PrimaryDirectories.AddRange(BreadthFirst(n => n.PrimaryOrder));
        layout.JolietDirectories.AddRange(BreadthFirst(n => n.JolietOrder));
        for (var i = 0; i < layout.PrimaryDirectories.Count; i++)
        {
            layout.PrimaryDirectories[i].PrimaryNumber = checked((ushort)(i + 1));
        }

        for (var i = 0; i < layout.JolietDirectories.Count; i++)
        {
            layout.JolietDirectories[i].JolietNumber = checked((ushort)(i + 1));
        }

        // Rock Ridge entries decide record lengths, which decide directory sizes.
        var continuationCursor = 0;
        foreach (var directory in layout.PrimaryDirectories)
        {
            var records = PlanPrimaryRecords(directory);
            foreach (var record in records.Where(r => r.Continuation is not null))
            {
                if ((continuationCursor % IsoLayout.SectorSize) + record.Continuation!.Length > IsoLayout.SectorSize)
                {
                    continuationCursor = RoundUp(continuationCursor);
                }

                record.ContinuationPosition = continuationCursor;
                continuationCursor += record.Continuation.Length;
            }

            layout.PrimaryRecords[directory] = records;
            directory.PrimarySize = DirectorySize(records.Select(r => r.Length));
        }

        foreach (var directory in layout.JolietDirectories)
        {
            directory.JolietSize = DirectorySize(JolietRecordLengths(directory));
        }

        layout.PathTableSize = PathTableSize(layout.PrimaryDirectories, n => n.IsoIdentifier);
        layout.JolietPathTableSize = PathTableSize(layout.JolietDirectories, n => n.JolietIdentifier);

        uint sector = FirstPathTableSector;
        layout.PrimaryLTable = Take(ref sector, layout.PathTableSize);
        layout.PrimaryMTable = Take(ref sector, layout.PathTableSize);
        layout.JolietLTable = Take(ref sector, layout.JolietPathTableSize);
        layout.JolietMTable = Take(ref sector, layout.JolietPathTableSize);
        foreach (var directory in layout.PrimaryDirectories)
        {
            directory.PrimaryExtent = Take(ref sector, directory.PrimarySize);
        }

        // Continuation areas follow the directories that point at them: libarchive reads forward only.
        layout.ContinuationStart = Take(ref sector, continuationCursor);

        foreach (var directory in layout.JolietDirectories)
        {
            directory.JolietExtent = Take(ref sector, directory.JolietSize);
        }

        // File data in primary path-table order, each file in its own run of sectors (ECMA-119 6.4).
        var dataStart = sector;
        foreach (var directory in layout.PrimaryDirectories)
        {
            foreach (var file in directory.PrimaryOrder.Where(c => c.Kind != IsoEntryKind.Directory))
            {
                file.DataExtent = file.DataLength == 0 ? dataStart : Take(ref sector, file.DataLength);
                layout.Files.Add(file);
            }
        }

        // Empty files and symlinks point at the first data sector; make sure it exists.
        layout.TotalSectors = Math.Max(sector, dataStart + 1);
        if ((long)layout.TotalSectors * IsoLayout.SectorSize > IsoLimits.MaxImageBytes)
        {
            throw new InvalidOperationException($"the image would exceed {IsoLimits.MaxImageBytes} bytes");
        }

        return layout;
    }

    private static void AssignIdentifiers(IsoBuildNode directory)
    {
        var isoTaken = new HashSet<string>(StringComparer.Ordinal);
        var jolietTaken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in directory.Children.Values)
        {
            var isDirectory = child.Kind == IsoEntryKind.Directory;
            child.IsoIdentifier = System.Text.Encoding.ASCII.GetBytes(IsoNames.ToLevel1(child.Name, isDirectory, isoTaken));
            if (child.Kind != IsoEntryKind.Symlink)
            {
                child.JolietIdentifier = IsoNames.EncodeJoliet(IsoNames.ToJoliet(child.Name, isDirectory, jolietTaken));
            }

            if (isDirectory)
            {
                AssignIdentifiers(child);
            }
        }

        // ECMA-119 9.3: records are ordered by file identifier.
        directory.PrimaryOrder.AddRange(directory.Children.Values.OrderBy(c => c.IsoIdentifier, ByteOrder.Instance));
        directory.JolietOrder.AddRange(directory.Children.Values
            .Where(c => c.Kind != IsoEntryKind.Symlink)
            .OrderBy(c => c.JolietIdentifier, ByteOrder.Instance));
    }

    /// <summary>Directories in path table order (ECMA-119 9.4: by level, then parent number, then identifier).</summary>
    private List<IsoBuildNode> BreadthFirst(Func<IsoBuildNode, List<IsoBuildNode>> order)
    {
        var result = new List<IsoBuildNode> { _root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(order(result[i]).Where(c => c.Kind == IsoEntryKind.Directory));
        }

        return result;
    }

    private static IEnumerable<int> JolietRecordLengths(IsoBuildNode directory)
    {
        yield return IsoLayout.Record.SelfRecordLength;
        yield return IsoLayout.Record.SelfRecordLength;
        foreach (var child in directory.JolietOrder)
        {
            yield return RecordLength(child.JolietIdentifier.Length, 0);
        }
    }

    /// <summary>Length of a directory record: fixed part, identifier, pad byte when the identifier length is even (9.1.12), system use; kept even.</summary>
    private static int RecordLength(int identifierLength, int systemUseLength)
    {
        var length = IsoLayout.Record.FixedLength + identifierLength + (identifierLength % 2 == 0 ? 1 : 0) + systemUseLength;
        return length + (length % 2);
    }

    /// <summary>Where the next record goes: a record never spans a logical sector (ECMA-119 6.8.1.1).</summary>
    private static int PlaceRecord(ref int position, int length)
    {
        if ((position % IsoLayout.SectorSize) + length > IsoLayout.SectorSize)
        {
            position = RoundUp(position);
        }

        var offset = position;
        position += length;
        return offset;
    }

    private static uint DirectorySize(IEnumerable<int> recordLengths)
    {
        var position = 0;
        foreach (var length in recordLengths)
        {
            PlaceRecord(ref position, length);
        }

        return (uint)RoundUp(position);
    }

    private static int PathTableSize(List<IsoBuildNode> directories, Func<IsoBuildNode, byte[]> identifier)
        => directories.Sum(d => IsoLayout.PathTable.Identifier + identifier(d).Length + (identifier(d).Length % 2));

    private static uint Take(ref uint sector, long bytes)
    {
        var start = sector;
        sector += (uint)((bytes + IsoLayout.SectorSize - 1) / IsoLayout.SectorSize);
        return start;
    }

    private static int RoundUp(int position) => (position + IsoLayout.SectorSize - 1) / IsoLayout.SectorSize * IsoLayout.SectorSize;

    /// <summary>Everything <see cref="Lay"/> decided, for the writer.</summary>
    private sealed class ImageLayout
    {
        public List<IsoBuildNode> PrimaryDirectories { get; } = [];

        public List<IsoBuildNode> JolietDirectories { get; } = [];

        public List<IsoBuildNode> Files { get; } = [];

        public Dictionary<IsoBuildNode, List<RecordPlan>> PrimaryRecords { get; } = [];

        public int PathTableSize { get; set; }

        public int JolietPathTableSize { get; set; }

        public uint PrimaryLTable { get; set; }

        public uint PrimaryMTable { get; set; }

        public uint JolietLTable { get; set; }

        public uint JolietMTable { get; set; }

        public uint ContinuationStart { get; set; }

        public uint TotalSectors { get; set; }
    }

    /// <summary>A primary-hierarchy record: whom it describes, and its Rock Ridge entries split between the record and a continuation area.</summary>
    private sealed class RecordPlan(IsoBuildNode target, byte[] identifier, byte[] systemUse, byte[]? continuation)
    {
        public IsoBuildNode Target { get; } = target;

        public byte[] Identifier { get; } = identifier;

        public byte[] SystemUse { get; } = systemUse;

        public byte[]? Continuation { get; } = continuation;

        /// <summary>Byte position within the continuation sectors.</summary>
        public int ContinuationPosition { get; set; }

        public int Length => RecordLength(Identifier.Length, SystemUse.Length + (Continuation is null ? 0 : SuspEntries.CeLength));
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
