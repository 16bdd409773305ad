namespace Jumpstart.Hostd.Traffic.Decoding;

/// <summary>What <see cref="PacketDecoder.Decode"/> made of a frame.</summary>
public enum DecodeStatus
{
    /// <summary>An IP packet with its transport endpoints (ports are 0 for protocols without ports).</summary>
    Ok,

    /// <summary>A well-formed frame that carries no IP (ARP, LLDP, STP, ...).</summary>
    NotIp,

    /// <summary>The capture kept too few bytes to see the transport ports (small snap length).</summary>
    Truncated,

    /// <summary>A header contradicts itself or the frame (bad version, lengths beyond the packet).</summary>
    Malformed,

    /// <summary>The capture's link type is not one the decoder knows.</summary>
    UnsupportedLink,

    /// <summary>A tunnel header, or the packet inside it, is malformed or cut short on the wire, or tunnels nest too deep.</summary>
    BadTunnel,
}
