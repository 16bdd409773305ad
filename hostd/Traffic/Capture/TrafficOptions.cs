using Jumpstart.Hostd.Traffic.Decoding;

namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>hostd configuration section <c>Traffic</c>: which interfaces to capture and where flows go.</summary>
public sealed class TrafficOptions
{
    public const string Section = "Traffic";

    /// <summary>Capture at all (off by default: capturing needs CAP_NET_RAW and costs CPU).</summary>
    public bool Enabled { get; set; }

    /// <summary>The flow database; relative paths are under hostd's state directory.</summary>
    public string DatabasePath { get; set; } = "flows.db";

    /// <summary>Capture the tap of every running VM, tagged with the VM, its instance-id and deployment.</summary>
    public bool CaptureVmTaps { get; set; } = true;

    /// <summary>Further interfaces (e.g. the host bridge) with fixed tags.</summary>
    public List<TrafficInterface> Interfaces { get; set; } = [];

    /// <summary>Bytes kept per packet; the paper kept the first 150. Flow byte counts always use wire lengths.</summary>
    public int SnapLength { get; set; } = 150;

    /// <summary>A BPF filter (pcap-filter(7)) applied on every interface.</summary>
    public string Filter { get; set; } = "ip or ip6";

    public double IdleTimeoutSeconds { get; set; } = 120;

    public double ActiveTimeoutSeconds { get; set; } = 1800;

    public int MaxActiveFlows { get; set; } = 262_144;

    /// <summary>Which header keys a tunnelled packet's flow: <c>Inner</c> (the default, as nDPI) or <c>Outer</c> (the underlay).</summary>
    public TunnelLayer TunnelLayer { get; set; } = TunnelLayer.Inner;

    /// <summary>Flows kept in the database (oldest deleted beyond).</summary>
    public long RetentionMaxFlows { get; set; } = 1_000_000;

    /// <summary>Days a flow is kept.</summary>
    public double RetentionDays { get; set; } = 7;

    /// <summary>
    /// A classifier model (<c>jumpstart classify train</c>) that labels every finished flow before it is stored;
    /// relative paths are under hostd's state directory; null or empty: flows are stored unlabelled. Re-read on
    /// SIGHUP, so replacing the file and reloading swaps the model without losing a flow.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>How often running VMs are looked up for new or gone taps.</summary>
    public double PollSeconds { get; set; } = 5;
}
