namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>Capturing needs CAP_NET_RAW (root) and the caller lacks it.</summary>
public sealed class PcapPermissionException(string message, int status) : PcapException(message, status);
