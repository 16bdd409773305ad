using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// A gratuitous ARP from guestd itself (no arping process): one ARP Announcement, RFC 5227 section 2.3 — an ARP
/// request (RFC 826) whose sender and target protocol addresses are both the announced address and whose target
/// hardware address is zero, broadcast on the link through a packet(7) socket (AF_PACKET, SOCK_DGRAM: the kernel
/// adds the Ethernet header for the <c>sockaddr_ll</c>'s destination).
/// </summary>
internal static class ArpAnnouncement
{
    private const int ArpBytes = 28;
    private const int LinkAddressBytes = 20;
    private const ushort HardwareEthernet = 1;
    private const ushort ProtocolIPv4 = 0x0800;
    private const ushort OperationRequest = 1;
    private const int MacBytes = 6;

    /// <summary>Sends the announcement of <paramref name="address"/> from the link <paramref name="index"/> whose MAC is <paramref name="mac"/>.</summary>
    /// <exception cref="NetworkConfigurationException">No packet socket (no CAP_NET_RAW) or the send failed.</exception>
    public static void Send(string? networkNamespace, int index, byte[] mac, IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork || mac.Length != MacBytes)
        {
            throw new ArgumentException("an ARP announcement needs an IPv4 address and an Ethernet MAC", nameof(address));
        }

        var fd = RtNetlink.SocketIn(networkNamespace, () =>
        {
            var socket = LibC.Socket(LibC.AfPacket, LibC.SockDgram | LibC.SockCloExec, BinaryPrimitives.ReverseEndianness(LibC.EthernetArp));
            return socket >= 0 ? socket : throw new NetworkConfigurationException($"cannot open a packet socket for a gratuitous ARP: {LibC.Describe(LibC.LastError)}");
        });
        try
        {
            var packet = Packet(mac, address.GetAddressBytes());
            var destination = Destination(index);
            if (LibC.SendTo(fd, packet, (nuint)packet.Length, 0, destination, (uint)destination.Length) != packet.Length)
            {
                throw new NetworkConfigurationException($"cannot send a gratuitous ARP for {address}: {LibC.Describe(LibC.LastError)}");
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>RFC 826's packet: hardware and protocol types and lengths, the operation, then sender MAC and IP, target MAC (zero) and IP.</summary>
    internal static byte[] Packet(byte[] mac, byte[] ipv4)
    {
        var packet = new byte[ArpBytes];
        BinaryPrimitives.WriteUInt16BigEndian(packet, HardwareEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), ProtocolIPv4);
        packet[4] = MacBytes;
        packet[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), OperationRequest);
        mac.CopyTo(packet, 8);
        ipv4.CopyTo(packet, 14);
        ipv4.CopyTo(packet, 24);
        return packet;
    }

    /// <summary><c>struct sockaddr_ll</c> (packet(7)): family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8] = broadcast.</summary>
    private static byte[] Destination(int index)
    {
        var address = new byte[LinkAddressBytes];
        BinaryPrimitives.WriteUInt16LittleEndian(address, LibC.AfPacket);
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(2), LibC.EthernetArp);
        BinaryPrimitives.WriteInt32LittleEndian(address.AsSpan(4), index);
        address[11] = MacBytes;
        address.AsSpan(12, MacBytes).Fill(0xff);
        return address;
    }
}
