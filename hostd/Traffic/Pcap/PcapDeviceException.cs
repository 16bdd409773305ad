namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>The capture device does not exist or is not up.</summary>
public sealed class PcapDeviceException(string message, int status) : PcapException(message, status);
