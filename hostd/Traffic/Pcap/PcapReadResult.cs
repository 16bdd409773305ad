namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>What <see cref="PcapSource.TryRead"/> found.</summary>
public enum PcapReadResult
{
    /// <summary>A packet was read.</summary>
    Packet,

    /// <summary>A live capture's read timeout passed without a packet; read again.</summary>
    Timeout,

    /// <summary>The file ended.</summary>
    EndOfFile,

    /// <summary><see cref="PcapSource.Stop"/> was called.</summary>
    Stopped,
}
