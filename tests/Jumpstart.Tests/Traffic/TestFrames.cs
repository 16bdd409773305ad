using System.Buffers.Binary;
using System.Net;

namespace Jumpstart.Tests.Traffic;

/// <summary>Builds well-formed frames for the decoder and flow tests (Ethernet, VLAN, SLL, SLL2, IPv4, IPv6, TCP, UDP).</summary>
public static class TestFrames
{
    public const ushort EtherIpv4 = 0x0800;
    public const ushort EtherIpv6 = 0x86DD;

    public static byte[] Tcp(string source, int sourcePort, string destination, int destinationPort, byte flags = 0x10, int payload = 0)
    {
        var transport = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(transport, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(2), (ushort)destinationPort);
        transport[12] = 5 << 4;
        transport[13] = flags;
        return Ethernet(Ip(source, destination, 6, transport));
    }

    public static byte[] Udp(string source, int sourcePort, string destination, int destinationPort, int payload = 0)
        => Ethernet(Ip(source, destination, 17, UdpSegment(sourcePort, destinationPort, payload)));

    public static byte[] UdpSegment(int sourcePort, int destinationPort, int payload)
    {
        var transport = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(transport, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(4), (ushort)transport.Length);
        return transport;
    }

    /// <summary>An IPv4 or IPv6 packet (by the address family) around <paramref name="transport"/>.</summary>
    public static byte[] Ip(string source, string destination, byte protocol, byte[] transport, int ipv4OptionWords = 0, ushort fragment = 0, ushort id = 1)
    {
        var s = IPAddress.Parse(source);
        var d = IPAddress.Parse(destination);
        if (s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            var header = 20 + (4 * ipv4OptionWords);
            var ip = new byte[header + transport.Length];
            ip[0] = (byte)(0x40 | (header / 4));
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), id);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), fragment);
            ip[8] = 64;
            ip[9] = protocol;
            s.TryWriteBytes(ip.AsSpan(12), out _);
            d.TryWriteBytes(ip.AsSpan(16), out _);
            transport.CopyTo(ip, header);
            return ip;
        }

        var v6 = new byte[40 + transport.Length];
        v6[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(4), (ushort)transport.Length);
        v6[6] = protocol;
        v6[7] = 64;
        s.TryWriteBytes(v6.AsSpan(8), out _);
        d.TryWriteBytes(v6.AsSpan(24), out _);
        transport.CopyTo(v6, 40);
        return v6;
    }

    public static byte[] Ethernet(byte[] ip, params ushort[] vlans)
    {
        var frame = new byte[14 + (4 * vlans.Length) + ip.Length];
        frame[0] = 0x02;
        frame[6] = 0x02;
        frame[11] = 1;
        var offset = 12;
        for (var i = 0; i < vlans.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), i == 0 && vlans.Length > 1 ? (ushort)0x88A8 : (ushort)0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset + 2), vlans[i]);
            offset += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), (ip[0] >> 4) == 6 ? EtherIpv6 : EtherIpv4);
        ip.CopyTo(frame, offset + 2);
        return frame;
    }

    /// <summary>Linux cooked capture v1 (16-byte header, protocol at 14).</summary>
    public static byte[] Sll(byte[] ip)
    {
        var frame = new byte[16 + ip.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ip[0] >> 4) == 6 ? EtherIpv6 : EtherIpv4);
        ip.CopyTo(frame, 16);
        return frame;
    }

    /// <summary>Linux cooked capture v2 (20-byte header, protocol at 0).</summary>
    public static byte[] Sll2(byte[] ip)
    {
        var frame = new byte[20 + ip.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ip[0] >> 4) == 6 ? EtherIpv6 : EtherIpv4);
        ip.CopyTo(frame, 20);
        return frame;
    }
}
