using System.Buffers.Binary;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Writes tunnel headers around inner packets for the tunnel tests, byte by byte from the specs:
/// IP in IP (RFC 2003, RFC 2473), GRE (RFC 2784, RFC 2890), VXLAN (RFC 7348), GENEVE (RFC 8926),
/// GTP-U (3GPP TS 29.281).
/// </summary>
public static class TunnelFrames
{
    public const string OuterA = "192.0.2.1";
    public const string OuterB = "192.0.2.2";
    public const string OuterA6 = "2001:db8:ffff::1";
    public const string OuterB6 = "2001:db8:ffff::2";

    /// <summary>The tunnels the tests build; each maps an inner IP packet and its direction to a whole Ethernet frame.</summary>
    public static readonly string[] Kinds =
    [
        "ipip", "ip6in4", "ip4in6", "ip6in6", "gre-ip", "gre-key-seq-ip6", "gre-ethernet", "gre-pptp-ppp", "vxlan", "vxlan-ip6-underlay",
        "geneve", "geneve-ip", "gtpu", "gtpu-extension", "nested-vxlan-in-gre-in-ipip",
    ];

    public static byte[] TcpSegment(int sourcePort, int destinationPort, byte flags, int payload)
    {
        var transport = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(transport, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(2), (ushort)destinationPort);
        transport[12] = 5 << 4;
        transport[13] = flags;
        return transport;
    }

    public static byte[] Udp(int sourcePort, int destinationPort, byte[] payload)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        return udp;
    }

    /// <summary>The frame of <paramref name="inner"/> (an IP packet) in tunnel <paramref name="kind"/>; <paramref name="reply"/> swaps the outer endpoints.</summary>
    public static byte[] Wrap(string kind, byte[] inner, bool reply)
    {
        var (a, b) = reply ? (OuterB, OuterA) : (OuterA, OuterB);
        var (a6, b6) = reply ? (OuterB6, OuterA6) : (OuterA6, OuterB6);
        var innerIsV6 = (inner[0] >> 4) == 6;
        return kind switch
        {
            "ipip" or "ip6in4" => TestFrames.Ethernet(TestFrames.Ip(a, b, innerIsV6 ? (byte)41 : (byte)4, inner)),
            "ip4in6" or "ip6in6" => TestFrames.Ethernet(TestFrames.Ip(a6, b6, innerIsV6 ? (byte)41 : (byte)4, inner)),
            "gre-ip" => TestFrames.Ethernet(TestFrames.Ip(a, b, 47, Gre(innerIsV6 ? (ushort)0x86DD : (ushort)0x0800, inner, key: false, sequence: false))),
            "gre-key-seq-ip6" => TestFrames.Ethernet(TestFrames.Ip(a6, b6, 47, Gre(innerIsV6 ? (ushort)0x86DD : (ushort)0x0800, inner, key: true, sequence: true))),
            "gre-ethernet" => TestFrames.Ethernet(TestFrames.Ip(a, b, 47, Gre(0x6558, TestFrames.Ethernet(inner), key: true, sequence: false))),
            "gre-pptp-ppp" => TestFrames.Ethernet(TestFrames.Ip(a, b, 47, Pptp(inner))),
            "vxlan" => TestFrames.Ethernet(TestFrames.Ip(a, b, 17, Udp(reply ? 51001 : 49152, 4789, Vxlan(TestFrames.Ethernet(inner))))),
            "vxlan-ip6-underlay" => TestFrames.Ethernet(TestFrames.Ip(a6, b6, 17, Udp(reply ? 51001 : 49152, 4789, Vxlan(TestFrames.Ethernet(inner, 42))))),
            "geneve" => TestFrames.Ethernet(TestFrames.Ip(a, b, 17, Udp(reply ? 40001 : 40000, 6081, Geneve(0x6558, TestFrames.Ethernet(inner))))),
            "geneve-ip" => TestFrames.Ethernet(TestFrames.Ip(a, b, 17, Udp(reply ? 40001 : 40000, 6081, Geneve(innerIsV6 ? (ushort)0x86DD : (ushort)0x0800, inner)))),
            "gtpu" => TestFrames.Ethernet(TestFrames.Ip(a, b, 17, Udp(2152, 2152, Gtp(inner, extension: false)))),
            "gtpu-extension" => TestFrames.Ethernet(TestFrames.Ip(a6, b6, 17, Udp(2152, 2152, Gtp(inner, extension: true)))),
            "nested-vxlan-in-gre-in-ipip" => TestFrames.Ethernet(TestFrames.Ip(a, b, 4, TestFrames.Ip("198.51.100.1", "198.51.100.2", 47,
                Gre(0x0800, TestFrames.Ip(reply ? "203.0.113.2" : "203.0.113.1", reply ? "203.0.113.1" : "203.0.113.2", 17, Udp(50000, 4789, Vxlan(TestFrames.Ethernet(inner)))), key: false, sequence: false)))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary><paramref name="levels"/> IPv4-in-IPv4 headers around <paramref name="inner"/>.</summary>
    public static byte[] NestedIpInIp(byte[] inner, int levels)
    {
        var packet = inner;
        for (var i = 0; i < levels; i++)
        {
            packet = TestFrames.Ip(OuterA, OuterB, (inner[0] >> 4) == 6 && i == 0 ? (byte)41 : (byte)4, packet);
        }

        return TestFrames.Ethernet(packet);
    }

    public static byte[] Gre(ushort protocol, byte[] payload, bool key, bool sequence)
    {
        var length = 4 + (key ? 4 : 0) + (sequence ? 4 : 0);
        var gre = new byte[length + payload.Length];
        gre[0] = (byte)((key ? 0x20 : 0) | (sequence ? 0x10 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(2), protocol);
        if (key)
        {
            BinaryPrimitives.WriteUInt32BigEndian(gre.AsSpan(4), 0x1234);
        }

        payload.CopyTo(gre, length);
        return gre;
    }

    /// <summary>PPTP's enhanced GRE (RFC 2637 section 4.1): version 1, key (payload length, call id), sequence; PPP with address and control inside.</summary>
    public static byte[] Pptp(byte[] ip)
    {
        var gre = new byte[12 + 4 + ip.Length];
        gre[0] = 0x30;
        gre[1] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(2), 0x880B);
        BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(4), (ushort)(4 + ip.Length));
        BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(6), 7);
        BinaryPrimitives.WriteUInt32BigEndian(gre.AsSpan(8), 1);
        gre[12] = 0xFF;
        gre[13] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(14), (ip[0] >> 4) == 6 ? (ushort)0x0057 : (ushort)0x0021);
        ip.CopyTo(gre, 16);
        return gre;
    }

    public static byte[] Vxlan(byte[] ethernet, byte flags = 0x08)
    {
        var vxlan = new byte[8 + ethernet.Length];
        vxlan[0] = flags;
        vxlan[4] = 0x00;
        vxlan[5] = 0x10;
        vxlan[6] = 0x01;
        ethernet.CopyTo(vxlan, 8);
        return vxlan;
    }

    /// <summary>GENEVE with one 8-byte option (class 0x0103, type 0x80, 4 bytes of data).</summary>
    public static byte[] Geneve(ushort protocol, byte[] payload, int version = 0)
    {
        var geneve = new byte[16 + payload.Length];
        geneve[0] = (byte)((version << 6) | 2);
        BinaryPrimitives.WriteUInt16BigEndian(geneve.AsSpan(2), protocol);
        geneve[6] = 0x2A;
        BinaryPrimitives.WriteUInt16BigEndian(geneve.AsSpan(8), 0x0103);
        geneve[10] = 0x80;
        geneve[11] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(geneve.AsSpan(12), 0xDEADBEEF);
        payload.CopyTo(geneve, 16);
        return geneve;
    }

    /// <summary>A GTP-U G-PDU; with <paramref name="extension"/>, a PDU session container extension header (type 0x85).</summary>
    public static byte[] Gtp(byte[] ip, bool extension, int extensionLength = 1)
    {
        var header = extension ? 12 + (extensionLength * 4) : 8;
        var gtp = new byte[header + ip.Length];
        gtp[0] = extension ? (byte)0x34 : (byte)0x30;
        gtp[1] = 0xFF;
        BinaryPrimitives.WriteUInt16BigEndian(gtp.AsSpan(2), (ushort)(gtp.Length - 8));
        BinaryPrimitives.WriteUInt32BigEndian(gtp.AsSpan(4), 0x0A0B0C0D);
        if (extension)
        {
            gtp[11] = 0x85;
            gtp[12] = (byte)extensionLength;
            gtp[13] = 0x00;
            gtp[14] = 0x09;
        }

        ip.CopyTo(gtp, header);
        return gtp;
    }
}
