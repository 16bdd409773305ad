using System.Buffers.Binary;
using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>Writes what <see cref="Lay"/> decided: descriptors, path tables, continuation areas, directories, data.</summary>
public sealed partial class IsoImageBuilder
{
    private const string SystemIdentifier = "LINUX";
    private const string ApplicationIdentifier = "JUMPSTART";
    private const byte FileStructureVersion = 1;

    private void WriteImage(ImageLayout layout, byte[] image)
    {
        WriteDescriptor(Sector(image, IsoLayout.FirstDescriptorSector), layout, joliet: false);
        WriteDescriptor(Sector(image, IsoLayout.FirstDescriptorSector + 1), layout, joliet: true);
        WriteDescriptorHeader(Sector(image, IsoLayout.FirstDescriptorSector + 2), IsoLayout.TerminatorDescriptorType);

        WritePathTable(image, layout.PrimaryLTable, layout.PrimaryDirectories, n => n.IsoIdentifier, n => n.PrimaryExtent, n => n.PrimaryNumber, bigEndian: false);
        WritePathTable(image, layout.PrimaryMTable, layout.PrimaryDirectories, n => n.IsoIdentifier, n => n.PrimaryExtent, n => n.PrimaryNumber, bigEndian: true);
        WritePathTable(image, layout.JolietLTable, layout.JolietDirectories, n => n.JolietIdentifier, n => n.JolietExtent, n => n.JolietNumber, bigEndian: false);
        WritePathTable(image, layout.JolietMTable, layout.JolietDirectories, n => n.JolietIdentifier, n => n.JolietExtent, n => n.JolietNumber, bigEndian: true);

        var continuationBase = (long)layout.ContinuationStart * IsoLayout.SectorSize;
        foreach (var directory in layout.PrimaryDirectories)
        {
            var extent = image.AsSpan((int)((long)directory.PrimaryExtent * IsoLayout.SectorSize), (int)directory.PrimarySize);
            var position = 0;
            foreach (var record in layout.PrimaryRecords[directory])
            {
                var systemUse = record.SystemUse;
                if (record.Continuation is { } continuation)
                {
                    var absolute = continuationBase + record.ContinuationPosition;
                    continuation.CopyTo(image.AsSpan((int)absolute));
                    systemUse = [.. systemUse, .. CeEntry((uint)(absolute / IsoLayout.SectorSize), (uint)(absolute % IsoLayout.SectorSize), (uint)continuation.Length)];
                }

                var offset = PlaceRecord(ref position, record.Length);
                WriteRecord(extent[offset..], record.Identifier, PrimaryExtent(record.Target), PrimaryLength(record.Target), record.Target.Kind, systemUse);
            }
        }

        foreach (var directory in layout.JolietDirectories)
        {
            var extent = image.AsSpan((int)((long)directory.JolietExtent * IsoLayout.SectorSize), (int)directory.JolietSize);
            var position = 0;
            WriteRecord(extent[PlaceRecord(ref position, IsoLayout.Record.SelfRecordLength)..], [IsoLayout.Record.SelfIdentifier], directory.JolietExtent, directory.JolietSize, IsoEntryKind.Directory, []);
            WriteRecord(extent[PlaceRecord(ref position, IsoLayout.Record.SelfRecordLength)..], [IsoLayout.Record.ParentIdentifier], directory.Parent.JolietExtent, directory.Parent.JolietSize, IsoEntryKind.Directory, []);
            foreach (var child in directory.JolietOrder)
            {
                var isDirectory = child.Kind == IsoEntryKind.Directory;
                var offset = PlaceRecord(ref position, RecordLength(child.JolietIdentifier.Length, 0));
                WriteRecord(extent[offset..], child.JolietIdentifier, isDirectory ? child.JolietExtent : child.DataExtent, isDirectory ? child.JolietSize : child.DataLength, child.Kind, []);
            }
        }

        foreach (var file in layout.Files)
        {
            file.Content.Span.CopyTo(image.AsSpan((int)((long)file.DataExtent * IsoLayout.SectorSize)));
        }
    }

    private static uint PrimaryExtent(IsoBuildNode node) => node.Kind == IsoEntryKind.Directory ? node.PrimaryExtent : node.DataExtent;

    private static uint PrimaryLength(IsoBuildNode node) => node.Kind == IsoEntryKind.Directory ? node.PrimarySize : node.DataLength;

    private static Span<byte> Sector(byte[] image, long sector) => image.AsSpan((int)(sector * IsoLayout.SectorSize), IsoLayout.SectorSize);

    private static void WriteDescriptorHeader(Span<byte> sector, byte type)
    {
        sector[IsoLayout.Descriptor.Type] = type;
        IsoLayout.StandardIdentifier.CopyTo(sector[IsoLayout.Descriptor.Identifier..]);
        sector[IsoLayout.Descriptor.Version] = 1;
    }

    /// <summary>Primary (ECMA-119 8.4) or Joliet Supplementary (8.5 + Joliet 4) volume descriptor.</summary>
    private void WriteDescriptor(Span<byte> sector, ImageLayout layout, bool joliet)
    {
        WriteDescriptorHeader(sector, joliet ? IsoLayout.SupplementaryDescriptorType : IsoLayout.PrimaryDescriptorType);
        WriteText(sector.Slice(IsoLayout.Descriptor.SystemIdentifier, IsoLayout.Descriptor.SystemIdentifierLength), SystemIdentifier, joliet);
        WriteText(sector.Slice(IsoLayout.Descriptor.VolumeIdentifier, IsoLayout.Descriptor.VolumeIdentifierLength), VolumeLabel, joliet);
        BothEndian.Write32(sector[IsoLayout.Descriptor.VolumeSpaceSize..], layout.TotalSectors);
        if (joliet)
        {
            IsoLayout.JolietLevel3.CopyTo(sector[IsoLayout.Descriptor.EscapeSequences..]);
        }

        BothEndian.Write16(sector[IsoLayout.Descriptor.VolumeSetSize..], 1);
        BothEndian.Write16(sector[IsoLayout.Descriptor.VolumeSequenceNumber..], 1);
        BothEndian.Write16(sector[IsoLayout.Descriptor.LogicalBlockSize..], IsoLayout.SectorSize);
        BothEndian.Write32(sector[IsoLayout.Descriptor.PathTableSize..], (uint)(joliet ? layout.JolietPathTableSize : layout.PathTableSize));
        BinaryPrimitives.WriteUInt32LittleEndian(sector[IsoLayout.Descriptor.TypeLPathTable..], joliet ? layout.JolietLTable : layout.PrimaryLTable);
        BinaryPrimitives.WriteUInt32BigEndian(sector[IsoLayout.Descriptor.TypeMPathTable..], joliet ? layout.JolietMTable : layout.PrimaryMTable);
        WriteRecord(
            sector[IsoLayout.Descriptor.RootDirectoryRecord..],
            [IsoLayout.Record.SelfIdentifier],
            joliet ? _root.JolietExtent : _root.PrimaryExtent,
            joliet ? _root.JolietSize : _root.PrimarySize,
            IsoEntryKind.Directory,
            []);
        WriteText(sector.Slice(IsoLayout.Descriptor.VolumeSetIdentifier, IsoLayout.Descriptor.LongIdentifierLength), string.Empty, joliet);
        WriteText(sector.Slice(IsoLayout.Descriptor.PublisherIdentifier, IsoLayout.Descriptor.LongIdentifierLength), string.Empty, joliet);
        WriteText(sector.Slice(IsoLayout.Descriptor.DataPreparerIdentifier, IsoLayout.Descriptor.LongIdentifierLength), string.Empty, joliet);
        WriteText(sector.Slice(IsoLayout.Descriptor.ApplicationIdentifier, IsoLayout.Descriptor.LongIdentifierLength), ApplicationIdentifier, joliet);
        WriteText(sector.Slice(IsoLayout.Descriptor.CopyrightFileIdentifier, 3 * IsoLayout.Descriptor.FileIdentifierLength), string.Empty, joliet);
        IsoDates.WriteVolumeDate(sector[IsoLayout.Descriptor.CreationDate..], Timestamp);
        IsoDates.WriteVolumeDate(sector[IsoLayout.Descriptor.ModificationDate..], Timestamp);
        IsoDates.WriteVolumeDate(sector[IsoLayout.Descriptor.ExpirationDate..], null);
        IsoDates.WriteVolumeDate(sector[IsoLayout.Descriptor.EffectiveDate..], null);
        sector[IsoLayout.Descriptor.FileStructureVersion] = FileStructureVersion;
    }

    /// <summary>A space-padded a-/d-character field, or a UCS-2 big-endian one in the Joliet descriptor.</summary>
    private static void WriteText(Span<byte> field, string text, bool joliet)
    {
        if (joliet)
        {
            for (var i = 0; i + 1 < field.Length; i += 2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(field[i..], i / 2 < text.Length ? text[i / 2] : ' ');
            }

            if (field.Length % 2 == 1)
            {
                field[^1] = (byte)' ';
            }

            return;
        }

        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length)), field);
    }

    /// <summary>One directory record (ECMA-119 9.1).</summary>
    private void WriteRecord(Span<byte> destination, byte[] identifier, uint extent, uint dataLength, IsoEntryKind kind, ReadOnlySpan<byte> systemUse)
    {
        var length = RecordLength(identifier.Length, systemUse.Length);
        var record = destination[..length];
        record[IsoLayout.Record.Length] = (byte)length;
        record[IsoLayout.Record.ExtendedAttributeLength] = 0;
        BothEndian.Write32(record[IsoLayout.Record.ExtentLocation..], extent);
        BothEndian.Write32(record[IsoLayout.Record.DataLength..], dataLength);
        IsoDates.WriteRecordingDate(record[IsoLayout.Record.RecordingDate..], Timestamp);
        record[IsoLayout.Record.Flags] = kind == IsoEntryKind.Directory ? IsoLayout.Record.FlagDirectory : (byte)0;
        BothEndian.Write16(record[IsoLayout.Record.VolumeSequenceNumber..], 1);
        record[IsoLayout.Record.IdentifierLength] = (byte)identifier.Length;
        identifier.CopyTo(record[IsoLayout.Record.Identifier..]);
        var systemUseStart = IsoLayout.Record.Identifier + identifier.Length + (identifier.Length % 2 == 0 ? 1 : 0);
        systemUse.CopyTo(record[systemUseStart..]);
    }

    /// <summary>Path table (ECMA-119 9.4) in L (little-endian) or M (big-endian) form.</summary>
    private static void WritePathTable(
        byte[] image,
        uint sector,
        List<IsoBuildNode> directories,
        Func<IsoBuildNode, byte[]> identifier,
        Func<IsoBuildNode, uint> extent,
        Func<IsoBuildNode, ushort> number,
        bool bigEndian)
    {
        var table = image.AsSpan((int)((long)sector * IsoLayout.SectorSize));
        var position = 0;
        foreach (var directory in directories)
        {
            var id = identifier(directory);
            var record = table[position..];
            record[IsoLayout.PathTable.IdentifierLength] = (byte)id.Length;
            record[IsoLayout.PathTable.ExtendedAttributeLength] = 0;
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(record[IsoLayout.PathTable.ExtentLocation..], extent(directory));
                BinaryPrimitives.WriteUInt16BigEndian(record[IsoLayout.PathTable.ParentNumber..], number(directory.Parent));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(record[IsoLayout.PathTable.ExtentLocation..], extent(directory));
                BinaryPrimitives.WriteUInt16LittleEndian(record[IsoLayout.PathTable.ParentNumber..], number(directory.Parent));
            }

            id.CopyTo(record[IsoLayout.PathTable.Identifier..]);
            position += IsoLayout.PathTable.Identifier + id.Length + (id.Length % 2);
        }
    }

    private static byte[] CeEntry(uint block, uint offset, uint length)
    {
        var entry = Entry(SuspEntries.Ce, SuspEntries.CeLength - SuspEntries.HeaderLength);
        BothEndian.Write32(entry.AsSpan(SuspEntries.CeBlockOffset), block);
        BothEndian.Write32(entry.AsSpan(SuspEntries.CeOffsetOffset), offset);
        BothEndian.Write32(entry.AsSpan(SuspEntries.CeSizeOffset), length);
        return entry;
    }
}
