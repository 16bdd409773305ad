using System.Buffers.Binary;

namespace Jumpstart.Hostd.Traffic.Decoding;

public static partial class PacketDecoder
{
    private const int Ipv4MinimumHeader = 20;
    private const int Ipv4TotalLengthOffset = 2;
    private const int Ipv4IdentificationOffset = 4;
    private const int Ipv4FragmentOffset = 6;
    private const int Ipv4ProtocolOffset = 9;
    private const int Ipv4SourceOffset = 12;
    private const int Ipv4DestinationOffset = 16;
    private const ushort Ipv4MoreFragments = 0x2000;
    private const ushort Ipv4OffsetMask = 0x1FFF;

    private const int Ipv6HeaderLength = 40;
    private const int Ipv6PayloadLengthOffset = 4;
    private const int Ipv6NextHeaderOffset = 6;
    private const int Ipv6SourceOffset = 8;
    private const int Ipv6DestinationOffset = 24;
    private const int Ipv6FragmentHeaderLength = 8;
    private const int Ipv6MaxExtensionHeaders = 16;

    /// <summary>::ffff:0:0/96, the IPv4-mapped prefix (RFC 4291 section 2.5.5.2).</summary>
    private static readonly UInt128 s_ipv4Mapped = new(0, 0x0000_FFFF_0000_0000UL);

    /// <summary>IPv4 (RFC 791): options skipped by IHL, fragments by offset and MF.</summary>
    private static DecodeStatus DecodeIpv4(ReadOnlySpan<byte> ip, ref DecodedPacket packet)
    {
        if (ip.Length < Ipv4MinimumHeader)
        {
            return DecodeStatus.Truncated;
        }

        if ((ip[0] >> 4) != 4)
        {
            return DecodeStatus.Malformed;
        }

        var headerLength = (ip[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv4TotalLengthOffset..]);
        if (headerLength < Ipv4MinimumHeader)
        {
            return DecodeStatus.Malformed;
        }

        // A zero total length comes from segmentation offload on the capturing host: use what was captured.
        if (totalLength == 0)
        {
            totalLength = (ushort)Math.Min(ip.Length, ushort.MaxValue);
        }

        if (totalLength < headerLength)
        {
            return DecodeStatus.Malformed;
        }

        packet.IpVersion = 4;
        packet.IpOffsetFromEnd = ip.Length;
        packet.IpLength = totalLength;
        packet.Protocol = ip[Ipv4ProtocolOffset];
        packet.Source = s_ipv4Mapped | BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4SourceOffset..]);
        packet.Destination = s_ipv4Mapped | BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4DestinationOffset..]);

        var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv4FragmentOffset..]);
        if ((fragment & (Ipv4MoreFragments | Ipv4OffsetMask)) != 0)
        {
            packet.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv4IdentificationOffset..]);
            if ((fragment & Ipv4OffsetMask) != 0)
            {
                packet.IsLaterFragment = true;
                return DecodeStatus.Ok;
            }

            packet.IsFirstFragment = true;
        }

        var end = Math.Min(ip.Length, totalLength);
        return headerLength > end ? DecodeStatus.Truncated : DecodeTransport(ip[headerLength..end], ref packet);
    }

    /// <summary>IPv6 (RFC 8200): hop-by-hop, routing, fragment, destination options and mobility headers are skipped.</summary>
    private static DecodeStatus DecodeIpv6(ReadOnlySpan<byte> ip, ref DecodedPacket packet)
    {
        if (ip.Length < Ipv6HeaderLength)
        {
            return DecodeStatus.Truncated;
        }

        if ((ip[0] >> 4) != 6)
        {
            return DecodeStatus.Malformed;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv6PayloadLengthOffset..]);
        var totalLength = payloadLength == 0 ? ip.Length : Ipv6HeaderLength + payloadLength;
        packet.IpVersion = 6;
        packet.IpOffsetFromEnd = ip.Length;
        packet.IpLength = totalLength;
        packet.Source = BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6SourceOffset..]);
        packet.Destination = BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6DestinationOffset..]);

        var next = ip[Ipv6NextHeaderOffset];
        var rest = ip[Ipv6HeaderLength..Math.Min(ip.Length, totalLength)];
        for (var headers = 0; headers < Ipv6MaxExtensionHeaders; headers++)
        {
            switch (next)
            {
                case IpProtocols.HopByHop:
                case IpProtocols.Routing:
                case IpProtocols.DestinationOptions:
                case IpProtocols.Mobility:
                    if (rest.Length < 2)
                    {
                        packet.Protocol = next;
                        return DecodeStatus.Truncated;
                    }

                    var length = (rest[1] + 1) * 8;
                    if (length > rest.Length)
                    {
                        packet.Protocol = next;
                        return DecodeStatus.Truncated;
                    }

                    next = rest[0];
                    rest = rest[length..];
                    continue;
                case IpProtocols.Fragment:
                    if (rest.Length < Ipv6FragmentHeaderLength)
                    {
                        packet.Protocol = next;
                        return DecodeStatus.Truncated;
                    }

                    var offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                    packet.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(rest[4..]);
                    next = rest[0];
                    rest = rest[Ipv6FragmentHeaderLength..];
                    if ((offsetAndFlags & 0xFFF8) != 0)
                    {
                        packet.Protocol = next;
                        packet.IsLaterFragment = true;
                        return DecodeStatus.Ok;
                    }

                    packet.IsFirstFragment = (offsetAndFlags & 0x0001) != 0;
                    continue;
                default:
                    packet.Protocol = next;
                    return DecodeTransport(rest, ref packet);
            }
        }

        return DecodeStatus.Malformed;
    }
}
