using System.Buffers.Binary;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// Writes a classic pcap file with nanosecond timestamps through libpcap (<c>pcap_dump</c>), so any
/// tool that reads libpcap's files reads it.
/// </summary>
public sealed class PcapFileWriter : ICaptureFileWriter
{
    private const int HeaderSize = 24;
    private readonly PcapHandle _dead;
    private readonly PcapDumperHandle _dumper;
    private readonly byte[] _header = new byte[HeaderSize];
    private readonly int _snapLength;
    private byte[] _data = new byte[2048];

    /// <exception cref="PcapException">The file cannot be created.</exception>
    public PcapFileWriter(string path, int linkType, int snapLength = PcapLiveOptions.MaxSnapLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, PcapLiveOptions.MaxSnapLength);
        _snapLength = snapLength;
        _dead = PcapNative.OpenDead(linkType, snapLength, PcapNative.TimestampPrecisionNano);
        if (_dead.IsInvalid)
        {
            throw new PcapException("pcap_open_dead failed");
        }

        _dumper = PcapNative.DumpOpen(_dead, PcapNative.CString(path));
        if (_dumper.IsInvalid)
        {
            _dumper.Dispose();
            try
            {
                PcapException.Throw(_dead, PcapException.GenericError, $"creating {path}");
            }
            finally
            {
                _dead.Dispose();
            }
        }
    }

    public void Write(CapturedPacket packet, ReadOnlySpan<byte> data)
    {
        var kept = Math.Min(data.Length, _snapLength);
        if (_data.Length < kept)
        {
            _data = new byte[Math.Max(kept, _data.Length * 2)];
        }

        data[..kept].CopyTo(_data);
        var seconds = Math.DivRem(packet.TimestampNanoseconds, 1_000_000_000, out var nanoseconds);
        // struct pcap_pkthdr on LP64: struct timeval { long tv_sec; long tv_usec (nanoseconds here); }, caplen, len.
        BinaryPrimitives.WriteInt64LittleEndian(_header, seconds);
        BinaryPrimitives.WriteInt64LittleEndian(_header.AsSpan(8), nanoseconds);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(16), kept);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(20), Math.Max(packet.WireLength, kept));
        PcapNative.Dump(_dumper, _header, _data);
    }

    public void Flush()
    {
        if (PcapNative.DumpFlush(_dumper) != 0)
        {
            throw new IOException("pcap_dump_flush failed");
        }
    }

    public void Dispose()
    {
        _dumper.Dispose();
        _dead.Dispose();
    }
}
