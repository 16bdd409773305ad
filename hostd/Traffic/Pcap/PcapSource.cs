using System.Globalization;
using System.Runtime.InteropServices;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// Packets from a capture file (pcap or pcapng, through libpcap) or a live interface. One reader
/// thread calls <see cref="TryRead"/>; any thread may call <see cref="Stop"/>. Reads do not allocate:
/// the returned span is valid until the next read.
/// </summary>
public sealed partial class PcapSource : IDisposable
{
    /// <summary>The largest record kept (libpcap refuses bigger records in files; live snaplen is bounded too).</summary>
    public const int MaxRecordLength = PcapLiveOptions.MaxSnapLength;

    private readonly PcapHandle _handle;
    private readonly byte[] _buffer;
    private volatile bool _stopRequested;

    private PcapSource(PcapHandle handle, bool live)
    {
        _handle = handle;
        IsLive = live;
        LinkType = PcapNative.DataLink(handle);
        var snap = PcapNative.Snapshot(handle);
        _buffer = new byte[snap is > 0 and <= MaxRecordLength ? snap : MaxRecordLength];
    }

    /// <summary>The data-link type (<see cref="LinkTypes"/>).</summary>
    public int LinkType { get; }

    public bool IsLive { get; }

    /// <summary>The version string of the libpcap in use.</summary>
    public static string LibraryVersion => Marshal.PtrToStringUTF8(PcapNative.LibraryVersion()) ?? "unknown";

    /// <summary>Opens a pcap or pcapng file with nanosecond timestamps.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PcapFileException">libpcap cannot read it.</exception>
    /// <remarks>
    /// Only a regular file is read: libpcap would wait forever on a FIFO with no writer and read a device such as
    /// <c>/dev/zero</c> as a stream. The file is opened and checked here, and libpcap opens that same file through
    /// <c>/proc/self/fd</c>, so a path replaced in between is not read. libpcap reads one record at a time, each
    /// bounded by the snapshot length, so a capture's size costs time, not memory.
    /// </remarks>
    public static PcapSource OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = OpenChecked(path);
        var error = new byte[PcapNative.ErrorBufferSize];
        var opened = string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}");
        var handle = PcapNative.OpenOffline(PcapNative.CString(opened), PcapNative.TimestampPrecisionNano, error);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new PcapFileException($"{path}: {PcapNative.FromErrorBuffer(error)}");
        }

        return new PcapSource(handle, live: false);
    }

    private static FileStream OpenChecked(string path)
    {
        try
        {
            return BoundedFile.Open(path, FileKinds.Regular, bufferSize: 0);
        }
        catch (InputFileException ex)
        {
            throw new PcapFileException($"not a capture file: {ex.Message}");
        }
    }

    /// <summary>Reads the next packet.</summary>
    /// <exception cref="PcapException">libpcap failed (a live interface went away, a file is corrupt mid-way).</exception>
    public PcapReadResult TryRead(out CapturedPacket packet, out ReadOnlySpan<byte> data)
    {
        packet = default;
        data = default;
        if (_stopRequested)
        {
            return PcapReadResult.Stopped;
        }

        var status = PcapNative.NextEx(_handle, out var header, out var bytes);
        switch (status)
        {
            case 1:
                var seconds = (long)Marshal.ReadIntPtr(header, 0);
                var fraction = (long)Marshal.ReadIntPtr(header, IntPtr.Size);
                var captured = Marshal.ReadInt32(header, 2 * IntPtr.Size);
                var wire = Marshal.ReadInt32(header, (2 * IntPtr.Size) + sizeof(int));
                var kept = Math.Clamp(captured, 0, _buffer.Length);
                Marshal.Copy(bytes, _buffer, 0, kept);
                packet = new CapturedPacket((seconds * 1_000_000_000) + fraction, kept, Math.Max(wire, kept));
                data = new ReadOnlySpan<byte>(_buffer, 0, kept);
                return PcapReadResult.Packet;
            case 0:
                return PcapReadResult.Timeout;
            case BreakStatus:
                return _stopRequested || IsLive ? PcapReadResult.Stopped : PcapReadResult.EndOfFile;
            default:
                PcapException.Throw(_handle, status, IsLive ? "reading packets" : "reading the capture file");
                return default;
        }
    }

    /// <summary>
    /// Makes the reader's current or next <see cref="TryRead"/> return <see cref="PcapReadResult.Stopped"/>
    /// (<c>pcap_breakloop</c>, which also wakes a read blocked in poll on Linux).
    /// </summary>
    public void Stop()
    {
        _stopRequested = true;
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            PcapNative.BreakLoop(_handle);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing left to stop.
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>PCAP_ERROR_BREAK: end of file, or <c>pcap_breakloop</c> was called.</summary>
    private const int BreakStatus = -2;
}
