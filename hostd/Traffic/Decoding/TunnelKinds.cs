namespace Jumpstart.Hostd.Traffic.Decoding;

/// <summary>The encapsulations <see cref="PacketDecoder"/> looks through to key a packet by its inner flow.</summary>
[Flags]
public enum TunnelKinds
{
    /// <summary>No tunnel is followed: the outer (underlay) packet is the flow.</summary>
    None = 0,

    /// <summary>IPv4 or IPv6 in IPv4 or IPv6 (IP protocols 4 and 41; RFC 2003, RFC 2473, RFC 4213).</summary>
    IpInIp = 1,

    /// <summary>GRE (IP protocol 47; RFC 2784, RFC 2890; PPTP's enhanced GRE, RFC 2637) with IP, Ethernet (0x6558), MPLS or ERSPAN II inside.</summary>
    Gre = 2,

    /// <summary>VXLAN (UDP destination port 4789; RFC 7348).</summary>
    Vxlan = 4,

    /// <summary>GENEVE (UDP destination port 6081; RFC 8926).</summary>
    Geneve = 8,

    /// <summary>GTP-U G-PDUs (UDP port 2152; 3GPP TS 29.281); other GTP-U messages stay in the outer flow.</summary>
    GtpU = 16,

    /// <summary>Every kind above.</summary>
    All = IpInIp | Gre | Vxlan | Geneve | GtpU,

    /// <summary>What ndpiReader follows (its reader_util.c): IP in IP always, GTP-U and VXLAN with tunnel decoding on; not GRE or GENEVE.</summary>
    Ndpi = IpInIp | Vxlan | GtpU,
}

/// <summary>Which layer of a tunnelled packet keys its flow (<c>Traffic:TunnelLayer</c>, <c>flows extract --tunnel-layer</c>).</summary>
public enum TunnelLayer
{
    /// <summary>The innermost packet (as nDPI does): the VM's or user's own flow.</summary>
    Inner,

    /// <summary>The outer packet: the underlay between tunnel endpoints.</summary>
    Outer,
}
