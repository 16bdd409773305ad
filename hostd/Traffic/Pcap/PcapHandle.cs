using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>A <c>pcap_t *</c>; closed with <c>pcap_close</c>.</summary>
public sealed class PcapHandle : SafeHandle
{
    public PcapHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        PcapNative.Close(handle);
        return true;
    }
}
