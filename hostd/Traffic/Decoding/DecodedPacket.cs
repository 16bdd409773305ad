namespace Jumpstart.Hostd.Traffic.Decoding;

/// <summary>
/// The fields of one packet flows need. IPv4 addresses are held as IPv4-mapped IPv6 addresses
/// (<c>::ffff:a.b.c.d</c>) so both families share one key type.
/// </summary>
public struct DecodedPacket
{
    public UInt128 Source { get; set; }

    public UInt128 Destination { get; set; }

    public ushort SourcePort { get; set; }

    public ushort DestinationPort { get; set; }

    /// <summary>The transport protocol number (IANA): 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...</summary>
    public byte Protocol { get; set; }

    /// <summary>4 or 6.</summary>
    public byte IpVersion { get; set; }

    /// <summary>The IP packet's length from its own header (IPv4 total length; IPv6 40 + payload length), bytes.</summary>
    public int IpLength { get; set; }

    /// <summary>TCP flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20); 0 for other protocols.</summary>
    public byte TcpFlags { get; set; }

    /// <summary>The innermost 802.1Q VLAN id, 0 when untagged.</summary>
    public ushort VlanId { get; set; }

    /// <summary>A fragment after the first: it has no transport header (ports are 0).</summary>
    public bool IsLaterFragment { get; set; }

    /// <summary>The identification of a fragmented datagram (IPv4 16 bits, IPv6 32 bits).</summary>
    public uint FragmentId { get; set; }

    /// <summary>Captured bytes from the start of the IP header to the end of the frame.</summary>
    public int IpOffsetFromEnd { get; set; }

    /// <summary>The first fragment of a fragmented datagram (it has the ports; later ones do not).</summary>
    public bool IsFirstFragment { get; set; }

    /// <summary>Tunnel headers looked through to reach the flow's packet (0: not tunnelled).</summary>
    public byte TunnelDepth { get; set; }

    /// <summary>The encapsulations the decoder follows for this packet.</summary>
    internal TunnelKinds Tunnels { get; set; }
}
