namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>A capture file cannot be opened or is not a pcap/pcapng file libpcap understands.</summary>
public sealed class PcapFileException(string message) : PcapException(message);
