using System.Buffers.Binary;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// Writes a pcapng file: one section, one interface with nanosecond resolution, Enhanced Packet
/// Blocks. libpcap 1.10 reads pcapng but cannot write it.
/// </summary>
/// <remarks>
/// Block layouts from draft-ietf-opsawg-pcapng (section 4.1 Section Header Block, 4.2 Interface
/// Description Block with option <c>if_tsresol</c> = 9, 4.3 Enhanced Packet Block). Little-endian.
/// </remarks>
public sealed class PcapNgWriter : ICaptureFileWriter
{
    private const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const uint InterfaceDescriptionType = 1;
    private const uint EnhancedPacketType = 6;
    private const ushort OptionTimestampResolution = 9;
    private const byte NanosecondResolution = 9;
    private const int EnhancedPacketFixedSize = 32;

    private readonly FileStream _stream;
    private readonly int _snapLength;
    private byte[] _block = new byte[4096];

    public PcapNgWriter(string path, int linkType, int snapLength = PcapLiveOptions.MaxSnapLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, PcapLiveOptions.MaxSnapLength);
        _snapLength = snapLength;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);

        Span<byte> shb = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(shb, SectionHeaderType);
        BinaryPrimitives.WriteUInt32LittleEndian(shb[4..], (uint)shb.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(shb[8..], ByteOrderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(shb[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(shb[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(shb[16..], -1); // section length unknown
        BinaryPrimitives.WriteUInt32LittleEndian(shb[24..], (uint)shb.Length);
        _stream.Write(shb);

        Span<byte> idb = stackalloc byte[32];
        BinaryPrimitives.WriteUInt32LittleEndian(idb, InterfaceDescriptionType);
        BinaryPrimitives.WriteUInt32LittleEndian(idb[4..], (uint)idb.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[8..], (ushort)linkType);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(idb[12..], (uint)snapLength);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[16..], OptionTimestampResolution);
        BinaryPrimitives.WriteUInt16LittleEndian(idb[18..], 1);
        idb[20] = NanosecondResolution; // then 3 bytes of padding, then opt_endofopt (4 zero bytes)
        BinaryPrimitives.WriteUInt32LittleEndian(idb[28..], (uint)idb.Length);
        _stream.Write(idb);
    }

    public void Write(CapturedPacket packet, ReadOnlySpan<byte> data)
    {
        var kept = Math.Min(data.Length, _snapLength);
        var padded = (kept + 3) & ~3;
        var total = EnhancedPacketFixedSize + padded;
        if (_block.Length < total)
        {
            _block = new byte[Math.Max(total, _block.Length * 2)];
        }

        var block = _block.AsSpan(0, total);
        block.Clear();
        var timestamp = (ulong)packet.TimestampNanoseconds;
        BinaryPrimitives.WriteUInt32LittleEndian(block, EnhancedPacketType);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], (uint)total);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], 0); // interface 0
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)(timestamp >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(block[16..], (uint)timestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(block[20..], (uint)kept);
        BinaryPrimitives.WriteUInt32LittleEndian(block[24..], (uint)Math.Max(packet.WireLength, kept));
        data[..kept].CopyTo(block[28..]);
        BinaryPrimitives.WriteUInt32LittleEndian(block[(total - 4)..], (uint)total);
        _stream.Write(block);
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();
}
