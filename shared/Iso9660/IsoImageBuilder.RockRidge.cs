using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// Rock Ridge entries of the primary hierarchy: SP and ER on the root (IEEE P1281 5.3, 5.5), PX,
/// TF and NM on every record, SL on symlinks (IEEE P1282 4.1.1, 4.1.6, 4.1.4, 4.1.3).
/// </summary>
public sealed partial class IsoImageBuilder
{
    /// <summary>NM and SL payload per entry: an entry's length byte caps it at 255 with a 5-byte header.</summary>
    private const int MaxEntryPayload = 250;

    private List<RecordPlan> PlanPrimaryRecords(IsoBuildNode directory)
    {
        var isRoot = directory == _root;
        var self = new List<byte[]>();
        if (isRoot)
        {
            self.Add(SpEntry());
        }

        self.Add(PxEntry(directory));
        self.Add(TfEntry());
        var records = new List<RecordPlan>
        {
            Split(directory, [IsoLayout.Record.SelfIdentifier], self, forced: isRoot ? [ErEntry()] : []),
            Split(directory.Parent, [IsoLayout.Record.ParentIdentifier], [PxEntry(directory.Parent), TfEntry()], forced: []),
        };

        foreach (var child in directory.PrimaryOrder)
        {
            var entries = new List<byte[]> { PxEntry(child), TfEntry() };
            entries.AddRange(NmEntries(child.Name));
            if (child.SymlinkTarget is { } target)
            {
                entries.Add(SlEntry(target));
            }

            records.Add(Split(child, child.IsoIdentifier, entries, forced: []));
        }

        return records;
    }

    /// <summary>Keeps what fits in the 255-byte record and moves the rest to a continuation area (SUSP 5.1).</summary>
    private static RecordPlan Split(IsoBuildNode target, byte[] identifier, List<byte[]> entries, List<byte[]> forced)
    {
        var room = IsoLayout.Record.MaxLength - RecordLength(identifier.Length, 0) - 1;
        var total = entries.Sum(e => e.Length);
        if (forced.Count == 0 && total <= room)
        {
            return new RecordPlan(target, identifier, Concat(entries), continuation: null);
        }

        var inline = new List<byte[]>();
        var used = SuspEntries.CeLength;
        var index = 0;
        for (; index < entries.Count && used + entries[index].Length <= room; index++)
        {
            inline.Add(entries[index]);
            used += entries[index].Length;
        }

        return new RecordPlan(target, identifier, Concat(inline), Concat([.. entries.Skip(index), .. forced]));
    }

    private static byte[] Concat(IEnumerable<byte[]> entries) => [.. entries.SelectMany(e => e)];

    private static byte[] Entry(ushort signature, int payloadLength)
    {
        var entry = new byte[SuspEntries.HeaderLength + payloadLength];
        entry[SuspEntries.SignatureOffset] = (byte)(signature >> 8);
        entry[SuspEntries.SignatureOffset + 1] = (byte)signature;
        entry[SuspEntries.LengthOffset] = checked((byte)entry.Length);
        entry[SuspEntries.VersionOffset] = SuspEntries.EntryVersion;
        return entry;
    }

    private static byte[] SpEntry()
    {
        var entry = Entry(SuspEntries.Sp, SuspEntries.SpLength - SuspEntries.HeaderLength);
        entry[SuspEntries.SpCheckOffset] = SuspEntries.SpCheck1;
        entry[SuspEntries.SpCheckOffset + 1] = SuspEntries.SpCheck2;
        entry[SuspEntries.SpSkipOffset] = 0;
        return entry;
    }

    private static byte[] ErEntry()
    {
        var id = Encoding.ASCII.GetBytes(SuspEntries.RripIdentifier);
        var descriptor = Encoding.ASCII.GetBytes(SuspEntries.RripDescriptor);
        var source = Encoding.ASCII.GetBytes(SuspEntries.RripSource);
        var entry = Entry(SuspEntries.Er, SuspEntries.ErFixedLength - SuspEntries.HeaderLength + id.Length + descriptor.Length + source.Length);
        entry[4] = (byte)id.Length;
        entry[5] = (byte)descriptor.Length;
        entry[6] = (byte)source.Length;
        entry[7] = 1; // extension version
        id.CopyTo(entry, SuspEntries.ErFixedLength);
        descriptor.CopyTo(entry, SuspEntries.ErFixedLength + id.Length);
        source.CopyTo(entry, SuspEntries.ErFixedLength + id.Length + descriptor.Length);
        return entry;
    }

    private static byte[] PxEntry(IsoBuildNode node)
    {
        var type = node.Kind switch
        {
            IsoEntryKind.Directory => SuspEntries.TypeDirectory,
            IsoEntryKind.Symlink => SuspEntries.TypeSymlink,
            _ => SuspEntries.TypeRegular,
        };
        var entry = Entry(SuspEntries.Px, SuspEntries.PxLength - SuspEntries.HeaderLength);
        BothEndian.Write32(entry.AsSpan(SuspEntries.PxModeOffset), (uint)(type | (node.Mode & SuspEntries.PermissionMask)));
        BothEndian.Write32(entry.AsSpan(SuspEntries.PxLinksOffset), (uint)node.LinkCount);
        BothEndian.Write32(entry.AsSpan(SuspEntries.PxUidOffset), 0);
        BothEndian.Write32(entry.AsSpan(SuspEntries.PxGidOffset), 0);
        return entry;
    }

    private byte[] TfEntry()
    {
        const int Stamps = 3;
        var entry = Entry(SuspEntries.Tf, 1 + (Stamps * IsoLayout.RecordingDateLength));
        entry[SuspEntries.FlagsOffset] = SuspEntries.TfModifyAccessAttributes;
        for (var i = 0; i < Stamps; i++)
        {
            IsoDates.WriteRecordingDate(entry.AsSpan(SuspEntries.PayloadOffset + (i * IsoLayout.RecordingDateLength)), Timestamp);
        }

        return entry;
    }

    /// <summary>The name in one NM entry, or several chained with the CONTINUE flag when it is longer than one entry holds.</summary>
    private static IEnumerable<byte[]> NmEntries(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        for (var offset = 0; offset < bytes.Length; offset += MaxEntryPayload)
        {
            var chunk = Math.Min(MaxEntryPayload, bytes.Length - offset);
            var entry = Entry(SuspEntries.Nm, 1 + chunk);
            entry[SuspEntries.FlagsOffset] = offset + chunk < bytes.Length ? SuspEntries.NmContinue : (byte)0;
            bytes.AsSpan(offset, chunk).CopyTo(entry.AsSpan(SuspEntries.PayloadOffset));
            yield return entry;
        }
    }

    /// <summary>One SL entry: a component record per path component (RRIP 4.1.3.1).</summary>
    private static byte[] SlEntry(string target)
    {
        var components = new List<byte>();
        if (target.StartsWith('/'))
        {
            components.AddRange([SuspEntries.SlComponentRoot, 0]);
        }

        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                components.AddRange([SuspEntries.SlComponentCurrent, 0]);
            }
            else if (part == "..")
            {
                components.AddRange([SuspEntries.SlComponentParent, 0]);
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                components.AddRange([0, (byte)bytes.Length, .. bytes]);
            }
        }

        var entry = Entry(SuspEntries.Sl, 1 + components.Count);
        entry[SuspEntries.FlagsOffset] = 0;
        components.CopyTo(entry, SuspEntries.PayloadOffset);
        return entry;
    }
}
