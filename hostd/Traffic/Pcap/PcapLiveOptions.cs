namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>How a live capture is opened.</summary>
public sealed record PcapLiveOptions
{
    /// <summary>The largest snapshot length accepted (libpcap's MAXIMUM_SNAPLEN).</summary>
    public const int MaxSnapLength = 262_144;

    /// <summary>Bytes kept of each packet; the wire length is always recorded.</summary>
    public int SnapLength { get; init; } = MaxSnapLength;

    public bool Promiscuous { get; init; }

    /// <summary>A BPF filter (pcap-filter(7)); null captures everything.</summary>
    public string? Filter { get; init; }

    /// <summary>
    /// How long one read waits before returning <see cref="PcapReadResult.Timeout"/>, so a reader on
    /// an idle interface still sees its cancellation.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Kernel capture buffer; a bigger buffer drops fewer packets in bursts.</summary>
    public int BufferBytes { get; init; } = 8 * 1024 * 1024;
}
