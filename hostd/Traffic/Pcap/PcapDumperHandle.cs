using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>A <c>pcap_dumper_t *</c>; closed (flushed) with <c>pcap_dump_close</c>.</summary>
public sealed class PcapDumperHandle : SafeHandle
{
    public PcapDumperHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        PcapNative.DumpClose(handle);
        return true;
    }
}
