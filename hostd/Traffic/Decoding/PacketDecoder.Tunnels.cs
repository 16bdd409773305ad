using System.Buffers.Binary;

namespace Jumpstart.Hostd.Traffic.Decoding;

public static partial class PacketDecoder
{
    /// <summary>Tunnel headers looked through before a packet is called a bad tunnel (<see cref="DecodeStatus.BadTunnel"/>).</summary>
    public const int MaxTunnelDepth = 4;

    public const ushort VxlanPort = 4789;
    public const ushort GenevePort = 6081;
    public const ushort GtpUserPort = 2152;

    private const int UdpHeaderLength = 8;
    private const int VxlanHeaderLength = 8;
    private const byte VxlanValidVni = 0x08;
    private const int GeneveHeaderLength = 8;
    private const int GreHeaderLength = 4;
    private const int ErspanTypeTwoHeaderLength = 8;
    private const int GtpHeaderLength = 8;
    private const int GtpOptionalFieldsLength = 4;
    private const int GtpMaxExtensionHeaders = 16;
    private const byte GtpVersionOneWithPt = 0x30;
    private const byte GtpExtensionFlag = 0x04;
    private const byte GtpOptionalFlags = 0x07;
    private const byte GtpGpdu = 0xFF;

    private const ushort EtherTypeTransparentBridging = 0x6558;
    private const ushort EtherTypeErspanTypeTwo = 0x88BE;
    private const ushort EtherTypePpp = 0x880B;

    // GRE flag bits (RFC 2784 section 2, RFC 2890 section 2; RFC 2637 section 4.1 for version 1).
    private const byte GreChecksum = 0x80;
    private const byte GreKey = 0x20;
    private const byte GreSequence = 0x10;
    private const byte GreReservedVersionZero = 0x4F;
    private const byte GreAcknowledgement = 0x80;
    private const byte GreVersionMask = 0x07;

    /// <summary>
    /// Looks inside an IP payload of <see cref="DecodedPacket.Protocol"/> 4, 41 or 47, or a UDP
    /// datagram to a tunnel port, when the packet's <see cref="DecodedPacket.Tunnels"/> asks for it.
    /// Returns null when the payload is not a tunnel the decoder follows (the outer packet is the flow).
    /// </summary>
    private static DecodeStatus? DecodeTunnel(ReadOnlySpan<byte> transport, ref DecodedPacket packet)
    {
        var tunnels = packet.Tunnels;
        if (tunnels == TunnelKinds.None || packet.IsFirstFragment)
        {
            // A tunnel split into IP fragments stays the outer flow: its later fragments carry no inner header.
            return null;
        }

        switch (packet.Protocol)
        {
            case IpProtocols.IpInIp when (tunnels & TunnelKinds.IpInIp) != 0:
                return Enter(ref packet) ? DecodeIpv4(transport, ref packet) : DecodeStatus.BadTunnel;
            case IpProtocols.Ipv6InIp when (tunnels & TunnelKinds.IpInIp) != 0:
                return Enter(ref packet) ? DecodeIpv6(transport, ref packet) : DecodeStatus.BadTunnel;
            case IpProtocols.Gre when (tunnels & TunnelKinds.Gre) != 0:
                return DecodeGre(transport, ref packet);
            case IpProtocols.Udp:
                if ((tunnels & TunnelKinds.Vxlan) != 0 && packet.DestinationPort == VxlanPort)
                {
                    return DecodeVxlan(transport, ref packet);
                }

                if ((tunnels & TunnelKinds.Geneve) != 0 && packet.DestinationPort == GenevePort)
                {
                    return DecodeGeneve(transport, ref packet);
                }

                if ((tunnels & TunnelKinds.GtpU) != 0 && (packet.DestinationPort == GtpUserPort || packet.SourcePort == GtpUserPort))
                {
                    return DecodeGtpUser(transport, ref packet);
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>One more tunnel level; false beyond <see cref="MaxTunnelDepth"/>. Clears what the outer packet set.</summary>
    private static bool Enter(ref DecodedPacket packet)
    {
        if (packet.TunnelDepth >= MaxTunnelDepth)
        {
            return false;
        }

        packet.TunnelDepth++;
        packet.SourcePort = 0;
        packet.DestinationPort = 0;
        packet.TcpFlags = 0;
        packet.IsFirstFragment = false;
        packet.IsLaterFragment = false;
        packet.FragmentId = 0;
        return true;
    }

    /// <summary>VXLAN (RFC 7348 section 5): 8 bytes whose I flag says the VNI is valid, then an Ethernet frame.</summary>
    private static DecodeStatus DecodeVxlan(ReadOnlySpan<byte> udp, ref DecodedPacket packet)
    {
        if (!Enter(ref packet))
        {
            return DecodeStatus.BadTunnel;
        }

        if (udp.Length < UdpHeaderLength + VxlanHeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        var header = udp[UdpHeaderLength..];
        return (header[0] & VxlanValidVni) == 0 ? DecodeStatus.BadTunnel : DecodeEthernet(header[VxlanHeaderLength..], ref packet);
    }

    /// <summary>GENEVE (RFC 8926 section 3.4): version 0, options of Opt Len x 4 bytes, then the protocol type's payload.</summary>
    private static DecodeStatus? DecodeGeneve(ReadOnlySpan<byte> udp, ref DecodedPacket packet)
    {
        if (udp.Length < UdpHeaderLength + GeneveHeaderLength)
        {
            return Enter(ref packet) ? DecodeStatus.Truncated : DecodeStatus.BadTunnel;
        }

        var header = udp[UdpHeaderLength..];
        if ((header[0] >> 6) != 0)
        {
            return DecodeStatus.BadTunnel;
        }

        var protocol = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (protocol is not (EtherTypeTransparentBridging or EtherTypeIpv4 or EtherTypeIpv6 or EtherTypeMplsUnicast or EtherTypeMplsMulticast))
        {
            return null;
        }

        if (!Enter(ref packet))
        {
            return DecodeStatus.BadTunnel;
        }

        var length = GeneveHeaderLength + ((header[0] & 0x3F) * 4);
        return header.Length < length ? DecodeStatus.Truncated : DecodeTunnelPayload(protocol, header[length..], ref packet);
    }

    /// <summary>
    /// GTP-U (3GPP TS 29.281 section 5): version 1 with PT set; sequence number, N-PDU number and next
    /// extension type when any of E, S, PN is set; extension headers (length in 4-byte units, next type
    /// last); then an IP packet. Echo, error indication and end marker messages stay in the outer flow.
    /// </summary>
    private static DecodeStatus? DecodeGtpUser(ReadOnlySpan<byte> udp, ref DecodedPacket packet)
    {
        if (udp.Length < UdpHeaderLength + 2)
        {
            // Cut by the snap length before the GTP flags: which flow it belongs to cannot be told.
            return udp.Length < UdpHeaderLength || BinaryPrimitives.ReadUInt16BigEndian(udp[4..]) > udp.Length ? DecodeStatus.Truncated : null;
        }

        var header = udp[UdpHeaderLength..];
        if ((header[0] & 0xF0) != GtpVersionOneWithPt || header[1] != GtpGpdu)
        {
            return null;
        }

        if (!Enter(ref packet))
        {
            return DecodeStatus.BadTunnel;
        }

        if (header.Length < GtpHeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        var offset = GtpHeaderLength;
        if ((header[0] & GtpOptionalFlags) != 0)
        {
            offset += GtpOptionalFieldsLength;
            if (header.Length < offset)
            {
                return DecodeStatus.Truncated;
            }

            var next = (header[0] & GtpExtensionFlag) != 0 ? header[offset - 1] : (byte)0;
            for (var extensions = 0; next != 0; extensions++)
            {
                if (extensions == GtpMaxExtensionHeaders)
                {
                    return DecodeStatus.BadTunnel;
                }

                if (header.Length <= offset)
                {
                    return DecodeStatus.Truncated;
                }

                var length = header[offset] * 4;
                if (length == 0)
                {
                    return DecodeStatus.BadTunnel;
                }

                if (header.Length < offset + length)
                {
                    return DecodeStatus.Truncated;
                }

                next = header[offset + length - 1];
                offset += length;
            }
        }

        var inner = header[offset..];
        return inner.IsEmpty ? DecodeStatus.Truncated : DecodeIpByVersion(inner, ref packet);
    }

    /// <summary>
    /// GRE version 0 (RFC 2784, keys and sequence numbers RFC 2890) and version 1 (PPTP, RFC 2637
    /// section 4.1). A payload type the decoder does not know leaves the outer GRE packet as the flow.
    /// </summary>
    private static DecodeStatus? DecodeGre(ReadOnlySpan<byte> gre, ref DecodedPacket packet)
    {
        if (gre.Length < GreHeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        var flags = gre[0];
        var version = gre[1] & GreVersionMask;
        var protocol = BinaryPrimitives.ReadUInt16BigEndian(gre[2..]);
        int length;
        if (version == 0)
        {
            if ((flags & GreReservedVersionZero) != 0)
            {
                return DecodeStatus.BadTunnel;
            }

            length = GreHeaderLength + ((flags & GreChecksum) != 0 ? 4 : 0) + ((flags & GreKey) != 0 ? 4 : 0) + ((flags & GreSequence) != 0 ? 4 : 0);
        }
        else if (version == 1 && protocol == EtherTypePpp && (flags & GreKey) != 0)
        {
            length = GreHeaderLength + 4 + ((flags & GreSequence) != 0 ? 4 : 0) + ((gre[1] & GreAcknowledgement) != 0 ? 4 : 0);
        }
        else
        {
            return DecodeStatus.BadTunnel;
        }

        if (protocol is not (EtherTypeIpv4 or EtherTypeIpv6 or EtherTypeTransparentBridging or EtherTypeMplsUnicast or EtherTypeMplsMulticast or EtherTypeErspanTypeTwo or EtherTypePpp))
        {
            return null;
        }

        if (!Enter(ref packet))
        {
            return DecodeStatus.BadTunnel;
        }

        if (gre.Length < length)
        {
            return DecodeStatus.Truncated;
        }

        var payload = gre[length..];
        switch (protocol)
        {
            case EtherTypePpp:
                return DecodePpp(payload, ref packet);
            case EtherTypeErspanTypeTwo:
                // ERSPAN type II: an 8-byte header, then the mirrored Ethernet frame.
                return payload.Length < ErspanTypeTwoHeaderLength ? DecodeStatus.Truncated : DecodeEthernet(payload[ErspanTypeTwoHeaderLength..], ref packet);
            default:
                return DecodeTunnelPayload(protocol, payload, ref packet);
        }
    }

    /// <summary>The payload of a GRE or GENEVE header by its EtherType; 0x6558 is a whole Ethernet frame.</summary>
    private static DecodeStatus DecodeTunnelPayload(ushort protocol, ReadOnlySpan<byte> payload, ref DecodedPacket packet) => protocol switch
    {
        EtherTypeTransparentBridging => DecodeEthernet(payload, ref packet),
        EtherTypeIpv4 => DecodeIpv4(payload, ref packet),
        EtherTypeIpv6 => DecodeIpv6(payload, ref packet),
        EtherTypeMplsUnicast or EtherTypeMplsMulticast => DecodeMpls(payload, ref packet),
        _ => DecodeStatus.NotIp,
    };
}
