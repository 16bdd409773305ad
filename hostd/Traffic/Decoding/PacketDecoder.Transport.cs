using System.Buffers.Binary;

namespace Jumpstart.Hostd.Traffic.Decoding;

public static partial class PacketDecoder
{
    private const int PortsLength = 4;
    private const int TcpFlagsOffset = 13;

    /// <summary>
    /// Ports of TCP (RFC 9293), UDP (RFC 768), UDP-Lite (RFC 3828) and SCTP (RFC 9260), which all
    /// start with source and destination port; TCP flags. ICMP, ICMPv6 and other protocols have port 0.
    /// Tunnels (IP in IP, GRE, VXLAN, GENEVE, GTP-U) continue with the inner packet.
    /// </summary>
    private static DecodeStatus DecodeTransport(ReadOnlySpan<byte> transport, ref DecodedPacket packet)
    {
        switch (packet.Protocol)
        {
            case IpProtocols.Tcp:
            case IpProtocols.Udp:
            case IpProtocols.UdpLite:
            case IpProtocols.Sctp:
                if (transport.Length < PortsLength)
                {
                    return DecodeStatus.Truncated;
                }

                packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
                packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
                if (packet.Protocol == IpProtocols.Tcp && transport.Length > TcpFlagsOffset)
                {
                    packet.TcpFlags = transport[TcpFlagsOffset];
                }

                return packet.Protocol == IpProtocols.Udp ? DecodeTunnel(transport, ref packet) ?? DecodeStatus.Ok : DecodeStatus.Ok;
            default:
                return DecodeTunnel(transport, ref packet) ?? DecodeStatus.Ok;
        }
    }
}
