using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Traffic.Pcap;

public sealed partial class PcapSource
{
    /// <summary>Opens <paramref name="device"/> for live capture (needs CAP_NET_RAW).</summary>
    /// <exception cref="PcapDeviceException">No such interface, or it is down.</exception>
    /// <exception cref="PcapPermissionException">Not allowed to capture.</exception>
    /// <exception cref="PcapException">The filter does not compile, or another libpcap error.</exception>
    public static PcapSource OpenLive(string device, PcapLiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SnapLength is <= 0 or > PcapLiveOptions.MaxSnapLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"snap length must be 1..{PcapLiveOptions.MaxSnapLength}");
        }

        var error = new byte[PcapNative.ErrorBufferSize];
        var handle = PcapNative.Create(PcapNative.CString(device), error);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new PcapDeviceException($"{device}: {PcapNative.FromErrorBuffer(error)}", PcapException.NoSuchDevice);
        }

        try
        {
            Check(handle, PcapNative.SetSnapLength(handle, options.SnapLength), "pcap_set_snaplen");
            Check(handle, PcapNative.SetPromiscuous(handle, options.Promiscuous ? 1 : 0), "pcap_set_promisc");
            Check(handle, PcapNative.SetTimeout(handle, (int)Math.Clamp(options.ReadTimeout.TotalMilliseconds, 1, int.MaxValue)), "pcap_set_timeout");
            Check(handle, PcapNative.SetBufferSize(handle, options.BufferBytes), "pcap_set_buffer_size");
            Check(handle, PcapNative.SetTimestampPrecision(handle, PcapNative.TimestampPrecisionNano), "pcap_set_tstamp_precision");
            var activated = PcapNative.Activate(handle);
            if (activated < 0)
            {
                PcapException.Throw(handle, activated, $"capturing on {device}");
            }

            if (options.Filter is not null)
            {
                ApplyFilter(handle, options.Filter);
            }

            return new PcapSource(handle, live: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Kernel counters of a live capture.</summary>
    public PcapStatistics GetStatistics()
    {
        var stats = Marshal.AllocHGlobal(PcapNative.StatSize);
        try
        {
            var status = PcapNative.Stats(_handle, stats);
            if (status < 0)
            {
                PcapException.Throw(_handle, status, "pcap_stats");
            }

            return new PcapStatistics(
                (uint)Marshal.ReadInt32(stats, 0),
                (uint)Marshal.ReadInt32(stats, sizeof(uint)),
                (uint)Marshal.ReadInt32(stats, 2 * sizeof(uint)));
        }
        finally
        {
            Marshal.FreeHGlobal(stats);
        }
    }

    private static void ApplyFilter(PcapHandle handle, string filter)
    {
        var program = Marshal.AllocHGlobal(PcapNative.BpfProgramSize);
        try
        {
            var compiled = PcapNative.Compile(handle, program, PcapNative.CString(filter), optimize: 1, PcapNative.NetmaskUnknown);
            if (compiled < 0)
            {
                PcapException.Throw(handle, compiled, $"filter '{filter}'");
            }

            try
            {
                var set = PcapNative.SetFilter(handle, program);
                if (set < 0)
                {
                    PcapException.Throw(handle, set, "pcap_setfilter");
                }
            }
            finally
            {
                PcapNative.FreeCode(program);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(program);
        }
    }

    private static void Check(PcapHandle handle, int status, string operation)
    {
        if (status != 0)
        {
            PcapException.Throw(handle, status, operation);
        }
    }
}
