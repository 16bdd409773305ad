using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// P/Invoke declarations for the system libpcap (Debian <c>libpcap0.8</c>, 1.10.x).
/// </summary>
/// <remarks>
/// Signatures follow pcap(3PCAP). Strings libpcap returns (<c>pcap_geterr</c>) are taken as pointers
/// and copied by the caller: marshalling them as <c>string</c> would make the runtime free libpcap's
/// own buffer. <c>struct pcap_pkthdr</c> is read field by field (see <see cref="PcapSource.TryRead"/>)
/// because its <c>timeval</c> holds C <c>long</c>s, whose size depends on the platform.
/// </remarks>
internal static class PcapNative
{
    public const string Library = "libpcap.so.0.8";

    /// <summary>PCAP_ERRBUF_SIZE.</summary>
    public const int ErrorBufferSize = 256;

    /// <summary>PCAP_TSTAMP_PRECISION_NANO.</summary>
    public const int TimestampPrecisionNano = 1;

    /// <summary>PCAP_NETMASK_UNKNOWN.</summary>
    public const uint NetmaskUnknown = 0xffffffff;

    /// <summary>sizeof(struct bpf_program) on LP64: u_int bf_len, padding, struct bpf_insn *bf_insns.</summary>
    public const int BpfProgramSize = 16;

    /// <summary>sizeof(struct pcap_stat) as libpcap writes it on Linux: ps_recv, ps_drop, ps_ifdrop.</summary>
    public const int StatSize = 12;

    [DllImport(Library, EntryPoint = "pcap_open_offline_with_tstamp_precision")]
    public static extern PcapHandle OpenOffline(byte[] path, int precision, byte[] errorBuffer);

    [DllImport(Library, EntryPoint = "pcap_create")]
    public static extern PcapHandle Create(byte[] device, byte[] errorBuffer);

    [DllImport(Library, EntryPoint = "pcap_open_dead_with_tstamp_precision")]
    public static extern PcapHandle OpenDead(int linkType, int snapLength, int precision);

    [DllImport(Library, EntryPoint = "pcap_close")]
    public static extern void Close(IntPtr handle);

    [DllImport(Library, EntryPoint = "pcap_set_snaplen")]
    public static extern int SetSnapLength(PcapHandle handle, int snapLength);

    [DllImport(Library, EntryPoint = "pcap_set_promisc")]
    public static extern int SetPromiscuous(PcapHandle handle, int promiscuous);

    [DllImport(Library, EntryPoint = "pcap_set_timeout")]
    public static extern int SetTimeout(PcapHandle handle, int milliseconds);

    [DllImport(Library, EntryPoint = "pcap_set_buffer_size")]
    public static extern int SetBufferSize(PcapHandle handle, int bytes);

    [DllImport(Library, EntryPoint = "pcap_set_tstamp_precision")]
    public static extern int SetTimestampPrecision(PcapHandle handle, int precision);

    [DllImport(Library, EntryPoint = "pcap_activate")]
    public static extern int Activate(PcapHandle handle);

    [DllImport(Library, EntryPoint = "pcap_compile")]
    public static extern int Compile(PcapHandle handle, IntPtr program, byte[] filter, int optimize, uint netmask);

    [DllImport(Library, EntryPoint = "pcap_setfilter")]
    public static extern int SetFilter(PcapHandle handle, IntPtr program);

    [DllImport(Library, EntryPoint = "pcap_freecode")]
    public static extern void FreeCode(IntPtr program);

    [DllImport(Library, EntryPoint = "pcap_next_ex")]
    public static extern int NextEx(PcapHandle handle, out IntPtr header, out IntPtr data);

    [DllImport(Library, EntryPoint = "pcap_breakloop")]
    public static extern void BreakLoop(PcapHandle handle);

    [DllImport(Library, EntryPoint = "pcap_stats")]
    public static extern int Stats(PcapHandle handle, IntPtr stats);

    [DllImport(Library, EntryPoint = "pcap_datalink")]
    public static extern int DataLink(PcapHandle handle);

    [DllImport(Library, EntryPoint = "pcap_snapshot")]
    public static extern int Snapshot(PcapHandle handle);

    [DllImport(Library, EntryPoint = "pcap_geterr")]
    public static extern IntPtr GetError(PcapHandle handle);

    [DllImport(Library, EntryPoint = "pcap_statustostr")]
    public static extern IntPtr StatusToString(int status);

    [DllImport(Library, EntryPoint = "pcap_lib_version")]
    public static extern IntPtr LibraryVersion();

    [DllImport(Library, EntryPoint = "pcap_dump_open")]
    public static extern PcapDumperHandle DumpOpen(PcapHandle handle, byte[] path);

    [DllImport(Library, EntryPoint = "pcap_dump")]
    public static extern void Dump(PcapDumperHandle dumper, byte[] header, byte[] data);

    [DllImport(Library, EntryPoint = "pcap_dump_flush")]
    public static extern int DumpFlush(PcapDumperHandle dumper);

    [DllImport(Library, EntryPoint = "pcap_dump_close")]
    public static extern void DumpClose(IntPtr dumper);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/> for a <c>const char *</c>.</summary>
    public static byte[] CString(string value)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>The NUL-terminated message libpcap wrote into an error buffer.</summary>
    public static string FromErrorBuffer(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
