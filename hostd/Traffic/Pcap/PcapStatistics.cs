namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// <c>pcap_stats</c> of a live capture: packets the kernel handed to the capture, packets it dropped
/// because the capture buffer was full, and packets the interface or driver dropped (if known).
/// </summary>
public readonly record struct PcapStatistics(uint Received, uint Dropped, uint InterfaceDropped);
