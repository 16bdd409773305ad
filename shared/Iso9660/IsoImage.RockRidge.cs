using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// Rock Ridge: SUSP entries in a record's system use area and its continuation areas
/// (IEEE P1281 4, 5.1, 5.3) carrying RRIP NM, PX, SL, CL and RE (IEEE P1282 4.1).
/// </summary>
public sealed partial class IsoImage
{
    /// <summary>Returns the SUSP skip length when the root "." record starts with an SP entry (SUSP 5.3), else null.</summary>
    private int? FindRockRidge(VolumeDescriptor primary)
    {
        var sector = new byte[IsoLayout.SectorSize];
        ReadMetadata(primary.RootExtent * IsoLayout.SectorSize, sector, "root directory");
        int length = sector[IsoLayout.Record.Length];
        int identifierLength = sector[IsoLayout.Record.IdentifierLength];
        var systemUseStart = IsoLayout.Record.Identifier + identifierLength + (identifierLength % 2 == 0 ? 1 : 0);
        if (length < IsoLayout.Record.SelfRecordLength || systemUseStart + SuspEntries.SpLength > length)
        {
            return null;
        }

        var sp = sector.AsSpan(systemUseStart, SuspEntries.SpLength);
        var isSp = ((sp[SuspEntries.SignatureOffset] << 8) | sp[SuspEntries.SignatureOffset + 1]) == SuspEntries.Sp
            && sp[SuspEntries.LengthOffset] >= SuspEntries.SpLength
            && sp[SuspEntries.SpCheckOffset] == SuspEntries.SpCheck1
            && sp[SuspEntries.SpCheckOffset + 1] == SuspEntries.SpCheck2;
        return isSp ? sp[SuspEntries.SpSkipOffset] : null;
    }

    private RockRidgeFields ReadRockRidge(ReadOnlySpan<byte> systemUse, int skip)
    {
        var fields = new RockRidgeFields();
        var name = new List<byte>();
        var link = new StringBuilder();
        var area = skip < systemUse.Length ? systemUse[skip..] : [];
        byte[]? continuation = null;
        for (var hops = 0; ; hops++)
        {
            var next = ReadArea(area, ref fields, name, link);
            if (next is not { } ce)
            {
                break;
            }

            if (hops >= IsoLimits.MaxContinuations)
            {
                IsoThrow.Format($"a Rock Ridge entry chains more than {IsoLimits.MaxContinuations} continuation areas");
            }

            // SUSP 5.1: a continuation area lies within one logical block.
            if (ce.Offset >= IsoLayout.SectorSize || ce.Length > IsoLayout.SectorSize - ce.Offset)
            {
                IsoThrow.Format($"a Rock Ridge continuation area ({ce.Length} bytes at offset {ce.Offset}) does not fit its block");
            }

            continuation = new byte[ce.Length];
            ReadMetadata((ce.Block * IsoLayout.SectorSize) + ce.Offset, continuation, "a Rock Ridge continuation area");
            area = continuation;
        }

        if (name.Count > 0)
        {
            fields.Name = Encoding.UTF8.GetString([.. name]);
        }

        if (fields.HasSymlink)
        {
            fields.SymlinkTarget = link.ToString();
        }

        return fields;
    }

    /// <summary>Parses one system use or continuation area; returns the CE it names, if any.</summary>
    private static Continuation? ReadArea(ReadOnlySpan<byte> area, ref RockRidgeFields fields, List<byte> name, StringBuilder link)
    {
        Continuation? next = null;
        var position = 0;
        while (position + SuspEntries.HeaderLength <= area.Length)
        {
            var signature = (ushort)((area[position] << 8) | area[position + 1]);
            int length = area[position + SuspEntries.LengthOffset];
            if (length < SuspEntries.HeaderLength)
            {
                if (signature == 0 && length == 0)
                {
                    break; // zero padding after the last entry
                }

                IsoThrow.Format($"a SUSP entry claims {length} bytes, shorter than its own header");
            }

            if (length > area.Length - position)
            {
                IsoThrow.Format($"a SUSP entry of {length} bytes runs past its area ({area.Length - position} left)");
            }

            var entry = area.Slice(position, length);
            position += length;
            switch (signature)
            {
                case SuspEntries.St:
                    return next;
                case SuspEntries.Ce:
                    Require(entry, SuspEntries.CeLength, "CE");
                    next = new Continuation(
                        BothEndian.Read32(entry[SuspEntries.CeBlockOffset..]),
                        BothEndian.Read32(entry[SuspEntries.CeOffsetOffset..]),
                        BothEndian.Read32(entry[SuspEntries.CeSizeOffset..]));
                    break;
                case SuspEntries.Nm:
                    Require(entry, SuspEntries.PayloadOffset, "NM");
                    if ((entry[SuspEntries.FlagsOffset] & (SuspEntries.NmCurrent | SuspEntries.NmParent)) == 0)
                    {
                        Append(name, entry[SuspEntries.PayloadOffset..]);
                    }

                    break;
                case SuspEntries.Px:
                    Require(entry, SuspEntries.PxLength, "PX");
                    fields.Mode = (int)(BothEndian.Read32(entry[SuspEntries.PxModeOffset..]) & 0xFFFF);
                    break;
                case SuspEntries.Sl:
                    Require(entry, SuspEntries.PayloadOffset, "SL");
                    fields.HasSymlink = true;
                    AppendSymlink(link, entry[SuspEntries.PayloadOffset..], ref fields.SymlinkNeedsSeparator);
                    break;
                case SuspEntries.Cl:
                    Require(entry, SuspEntries.ClLocationOffset + BothEndian.Size32, "CL");
                    fields.ChildLink = BothEndian.Read32(entry[SuspEntries.ClLocationOffset..]);
                    break;
                case SuspEntries.Re:
                    fields.Relocated = true;
                    break;
            }
        }

        return next;
    }

    private static void Require(ReadOnlySpan<byte> entry, int minimum, string signature)
    {
        if (entry.Length < minimum)
        {
            IsoThrow.Format($"a Rock Ridge {signature} entry is {entry.Length} bytes, shorter than {minimum}");
        }
    }

    private static void Append(List<byte> name, ReadOnlySpan<byte> bytes)
    {
        if (name.Count + bytes.Length > IsoLimits.MaxRockRidgeNameBytes)
        {
            IsoThrow.Format($"a Rock Ridge name is longer than {IsoLimits.MaxRockRidgeNameBytes} bytes");
        }

        name.AddRange(bytes);
    }

    /// <summary>SL component records (RRIP 4.1.3.1): flags, length, content; CONTINUE joins a component to the next.</summary>
    private static void AppendSymlink(StringBuilder link, ReadOnlySpan<byte> components, ref bool needsSeparator)
    {
        var position = 0;
        while (position + 2 <= components.Length)
        {
            var flags = components[position];
            int length = components[position + 1];
            if (length > components.Length - position - 2)
            {
                IsoThrow.Format("a Rock Ridge SL component runs past its entry");
            }

            var content = components.Slice(position + 2, length);
            position += 2 + length;
            if (needsSeparator)
            {
                link.Append('/');
            }

            if ((flags & SuspEntries.SlComponentRoot) != 0)
            {
                link.Clear().Append('/');
                needsSeparator = false;
                continue;
            }

            link.Append((flags & SuspEntries.SlComponentCurrent) != 0 ? "." : (flags & SuspEntries.SlComponentParent) != 0 ? ".." : Encoding.UTF8.GetString(content));
            if (link.Length > IsoLimits.MaxRockRidgeNameBytes)
            {
                IsoThrow.Format($"a Rock Ridge symlink target is longer than {IsoLimits.MaxRockRidgeNameBytes} bytes");
            }

            needsSeparator = (flags & SuspEntries.SlContinue) == 0;
        }
    }

    /// <summary>A CE entry: where the system use area continues (SUSP 5.1).</summary>
    private readonly record struct Continuation(long Block, long Offset, long Length);

    /// <summary>What the Rock Ridge entries of one record said.</summary>
    private struct RockRidgeFields
    {
        public string? Name;
        public int? Mode;
        public bool HasSymlink;
        public bool SymlinkNeedsSeparator;
        public string? SymlinkTarget;
        public long? ChildLink;
        public bool Relocated;
    }
}
