namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>The data-link types (<c>DLT_*</c> as <c>pcap_datalink</c> returns them) the decoder knows.</summary>
/// <remarks>Values from https://www.tcpdump.org/linktypes.html and libpcap's <c>pcap/dlt.h</c>.</remarks>
public static class LinkTypes
{
    /// <summary>BSD loopback: a 4-byte address family in host byte order.</summary>
    public const int Null = 0;
    public const int Ethernet = 1;

    /// <summary>PPP (RFC 1661) with an HDLC-like address/control header or just the protocol field.</summary>
    public const int Ppp = 9;

    /// <summary>Raw IP, version from the first nibble (DLT_RAW on Linux; LINKTYPE_RAW 101 maps here).</summary>
    public const int Raw = 12;

    /// <summary>Raw IP as OpenBSD numbers DLT_RAW.</summary>
    public const int RawOpenBsd = 14;

    /// <summary>PPP in HDLC-like framing (RFC 1662), or Cisco PPP with HDLC framing (RFC 1547 section 4.3.1), not stuffed.</summary>
    public const int PppHdlc = 50;

    /// <summary>Cisco HDLC: address (0x0F unicast, 0x8F broadcast), control 0, a 2-byte EtherType.</summary>
    public const int CiscoHdlc = 104;

    /// <summary>OpenBSD loopback: the address family in network byte order.</summary>
    public const int Loop = 108;
    public const int LinuxSll = 113;

    /// <summary>Per-Packet Information header (PPI) in front of another link type.</summary>
    public const int Ppi = 192;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;
}
