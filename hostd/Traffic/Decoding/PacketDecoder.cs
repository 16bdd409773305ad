using System.Buffers.Binary;
using Jumpstart.Hostd.Traffic.Pcap;

namespace Jumpstart.Hostd.Traffic.Decoding;

/// <summary>
/// Decodes a captured frame down to the transport endpoints, without allocating. Link layers:
/// Ethernet II and 802.3 LLC/SNAP (IEEE 802.3), 802.1Q/802.1ad VLAN tags (any depth up to
/// <see cref="MaxTags"/>), MPLS (RFC 3032), PPPoE sessions (RFC 2516), Linux cooked SLL and SLL2
/// (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, ..._SLL2.html), BSD/OpenBSD loopback,
/// PPP (RFC 1661/1662), PPP in HDLC framing, Cisco HDLC, tunnels (PacketDecoder.Tunnels.cs), PPI (https://www.tcpdump.org/linktypes/LINKTYPE_PPI.html) and raw IP.
/// </summary>
/// <remarks>Malformed input is reported in the status, never thrown.</remarks>
public static partial class PacketDecoder
{
    /// <summary>VLAN tags and MPLS labels followed before a frame is called malformed.</summary>
    public const int MaxTags = 8;

    private const int EthernetHeaderLength = 14;
    private const int EthernetTypeOffset = 12;
    private const int VlanTagLength = 4;
    private const int MplsLabelLength = 4;
    private const int PppoeHeaderLength = 6;
    private const int SllHeaderLength = 16;
    private const int SllProtocolOffset = 14;
    private const int Sll2HeaderLength = 20;
    private const int NullHeaderLength = 4;
    private const int PpiHeaderMinimum = 8;
    private const int PpiLinkTypeOffset = 4;
    private const int LlcSnapLength = 8;
    private const ushort MaxIeee8023Length = 1500;
    private const byte LlcSnapSap = 0xAA;

    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQOld = 0x9100;
    private const ushort EtherTypeMplsUnicast = 0x8847;
    private const ushort EtherTypeMplsMulticast = 0x8848;
    private const ushort EtherTypePppoeSession = 0x8864;
    private const ushort PppIpv4 = 0x0021;
    private const ushort PppIpv6 = 0x0057;
    private const byte PppAddress = 0xFF;
    private const byte PppControl = 0x03;
    private const int CiscoHdlcHeaderLength = 4;
    private const byte CiscoHdlcUnicast = 0x0F;
    private const byte CiscoHdlcBroadcast = 0x8F;

    // Address families of the loopback link types (BSD AF_INET is 2 everywhere; AF_INET6 differs per OS).
    private const uint FamilyInet = 2;
    private const uint FamilyInet6Bsd = 24;
    private const uint FamilyInet6FreeBsd = 28;
    private const uint FamilyInet6Darwin = 30;
    private const uint FamilyInet6Linux = 10;

    /// <summary>
    /// Decodes <paramref name="frame"/> captured on a link of type <paramref name="linkType"/>
    /// (<see cref="LinkTypes"/>). <paramref name="wireLength"/> is the frame's original length: an IP
    /// header that claims more bytes than the frame had on the wire is malformed, while one cut
    /// short only by the snap length is fine. <paramref name="tunnels"/> are looked through (up to
    /// <see cref="MaxTunnelDepth"/> levels) so the inner packet keys the flow; a malformed tunnel
    /// header or inner packet is <see cref="DecodeStatus.BadTunnel"/>.
    /// </summary>
    public static DecodeStatus Decode(int linkType, ReadOnlySpan<byte> frame, int wireLength, ref DecodedPacket packet, TunnelKinds tunnels = TunnelKinds.All)
    {
        packet = default;
        packet.Tunnels = tunnels;
        var status = DecodeLink(linkType, frame, ref packet, depth: 0);
        if (status == DecodeStatus.Ok && packet.IpLength > packet.IpOffsetFromEnd + Math.Max(0, wireLength - frame.Length))
        {
            status = DecodeStatus.Malformed;
        }

        // Inside a tunnel, only the snap length may cut a packet short: anything else is a bad tunnel.
        if (packet.TunnelDepth > 0 && (status == DecodeStatus.Malformed || (status == DecodeStatus.Truncated && frame.Length >= wireLength)))
        {
            status = DecodeStatus.BadTunnel;
        }

        return status;
    }

    private static DecodeStatus DecodeLink(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, int depth)
    {
        switch (linkType)
        {
            case LinkTypes.Ethernet:
                return DecodeEthernet(frame, ref packet);
            case LinkTypes.LinuxSll:
                return frame.Length < SllHeaderLength
                    ? DecodeStatus.Truncated
                    : DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[SllProtocolOffset..]), frame[SllHeaderLength..], ref packet, 0);
            case LinkTypes.LinuxSll2:
                return frame.Length < Sll2HeaderLength
                    ? DecodeStatus.Truncated
                    : DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame), frame[Sll2HeaderLength..], ref packet, 0);
            case LinkTypes.Raw:
            case LinkTypes.RawOpenBsd:
                return DecodeIpByVersion(frame, ref packet);
            case LinkTypes.Ipv4:
                return DecodeIpv4(frame, ref packet);
            case LinkTypes.Ipv6:
                return DecodeIpv6(frame, ref packet);
            case LinkTypes.Null:
            case LinkTypes.Loop:
                return DecodeLoopback(frame, linkType == LinkTypes.Loop, ref packet);
            case LinkTypes.Ppp:
                return DecodePpp(frame, ref packet);
            case LinkTypes.CiscoHdlc:
                return DecodeCiscoHdlc(frame, ref packet);
            case LinkTypes.PppHdlc:
                return frame.Length > 0 && frame[0] is CiscoHdlcUnicast or CiscoHdlcBroadcast ? DecodeCiscoHdlc(frame, ref packet) : DecodePpp(frame, ref packet);
            case LinkTypes.Ppi when depth == 0:
                if (frame.Length < PpiHeaderMinimum)
                {
                    return DecodeStatus.Truncated;
                }

                var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[2..]);
                if (headerLength < PpiHeaderMinimum || headerLength > frame.Length)
                {
                    return DecodeStatus.Malformed;
                }

                return DecodeLink((int)BinaryPrimitives.ReadUInt32LittleEndian(frame[PpiLinkTypeOffset..]), frame[headerLength..], ref packet, depth + 1);
            default:
                return DecodeStatus.UnsupportedLink;
        }
    }

    private static DecodeStatus DecodeEthernet(ReadOnlySpan<byte> frame, ref DecodedPacket packet)
    {
        if (frame.Length < EthernetHeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetTypeOffset..]);
        var rest = frame[EthernetHeaderLength..];
        if (type <= MaxIeee8023Length)
        {
            // IEEE 802.3 length field: only LLC/SNAP frames carry an EtherType (and so maybe IP).
            if (rest.Length < LlcSnapLength)
            {
                return DecodeStatus.NotIp;
            }

            if (rest[0] != LlcSnapSap || rest[1] != LlcSnapSap)
            {
                return DecodeStatus.NotIp;
            }

            type = BinaryPrimitives.ReadUInt16BigEndian(rest[6..]);
            rest = rest[LlcSnapLength..];
        }

        return DecodeEtherType(type, rest, ref packet, 0);
    }

    private static DecodeStatus DecodeEtherType(ushort type, ReadOnlySpan<byte> payload, ref DecodedPacket packet, int tags)
    {
        while (true)
        {
            switch (type)
            {
                case EtherTypeIpv4:
                    return DecodeIpv4(payload, ref packet);
                case EtherTypeIpv6:
                    return DecodeIpv6(payload, ref packet);
                case EtherTypeVlan:
                case EtherTypeQinQ:
                case EtherTypeQinQOld:
                    if (++tags > MaxTags)
                    {
                        return DecodeStatus.Malformed;
                    }

                    if (payload.Length < VlanTagLength)
                    {
                        return DecodeStatus.Truncated;
                    }

                    packet.VlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload) & 0x0FFF);
                    type = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                    payload = payload[VlanTagLength..];
                    continue;
                case EtherTypeMplsUnicast:
                case EtherTypeMplsMulticast:
                    return DecodeMpls(payload, ref packet);
                case EtherTypePppoeSession:
                    if (payload.Length < PppoeHeaderLength + 2)
                    {
                        return DecodeStatus.Truncated;
                    }

                    return DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(payload[PppoeHeaderLength..]), payload[(PppoeHeaderLength + 2)..], ref packet);
                default:
                    return DecodeStatus.NotIp;
            }
        }
    }

    private static DecodeStatus DecodeMpls(ReadOnlySpan<byte> payload, ref DecodedPacket packet)
    {
        for (var label = 0; label < MaxTags; label++)
        {
            if (payload.Length < MplsLabelLength)
            {
                return DecodeStatus.Truncated;
            }

            var bottomOfStack = (payload[2] & 0x01) != 0;
            payload = payload[MplsLabelLength..];
            if (bottomOfStack)
            {
                return DecodeIpByVersion(payload, ref packet);
            }
        }

        return DecodeStatus.Malformed;
    }

    private static DecodeStatus DecodeLoopback(ReadOnlySpan<byte> frame, bool networkOrder, ref DecodedPacket packet)
    {
        if (frame.Length < NullHeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        // DLT_NULL is in the capturing host's byte order: accept either order.
        var family = networkOrder ? BinaryPrimitives.ReadUInt32BigEndian(frame) : BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (!networkOrder && family > 0xFFFF)
        {
            family = BinaryPrimitives.ReadUInt32BigEndian(frame);
        }

        var payload = frame[NullHeaderLength..];
        return family switch
        {
            FamilyInet => DecodeIpv4(payload, ref packet),
            FamilyInet6Bsd or FamilyInet6FreeBsd or FamilyInet6Darwin or FamilyInet6Linux => DecodeIpv6(payload, ref packet),
            _ => DecodeStatus.NotIp,
        };
    }

    /// <summary>Cisco HDLC (https://www.tcpdump.org/linktypes/LINKTYPE_C_HDLC.html): address, control, EtherType.</summary>
    private static DecodeStatus DecodeCiscoHdlc(ReadOnlySpan<byte> frame, ref DecodedPacket packet)
        => frame.Length < CiscoHdlcHeaderLength
            ? DecodeStatus.Truncated
            : DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[2..]), frame[CiscoHdlcHeaderLength..], ref packet, 0);

    private static DecodeStatus DecodePpp(ReadOnlySpan<byte> frame, ref DecodedPacket packet)
    {
        if (!frame.IsEmpty && frame[0] == PppAddress)
        {
            if (frame.Length < 2)
            {
                return DecodeStatus.Truncated;
            }

            if (frame[1] == PppControl)
            {
                frame = frame[2..];
            }
        }

        if (frame.IsEmpty)
        {
            return DecodeStatus.Truncated;
        }

        // Protocol-field compression (RFC 1661 section 6.5): an odd first byte is a 1-byte protocol.
        if ((frame[0] & 1) != 0)
        {
            return DecodePppProtocol(frame[0], frame[1..], ref packet);
        }

        if (frame.Length < 2)
        {
            return DecodeStatus.Truncated;
        }

        return DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(frame), frame[2..], ref packet);
    }

    private static DecodeStatus DecodePppProtocol(ushort protocol, ReadOnlySpan<byte> payload, ref DecodedPacket packet) => protocol switch
    {
        PppIpv4 => DecodeIpv4(payload, ref packet),
        PppIpv6 => DecodeIpv6(payload, ref packet),
        _ => DecodeStatus.NotIp,
    };

    private static DecodeStatus DecodeIpByVersion(ReadOnlySpan<byte> payload, ref DecodedPacket packet)
    {
        if (payload.IsEmpty)
        {
            return DecodeStatus.Truncated;
        }

        return (payload[0] >> 4) switch
        {
            4 => DecodeIpv4(payload, ref packet),
            6 => DecodeIpv6(payload, ref packet),
            _ => DecodeStatus.Malformed,
        };
    }
}
