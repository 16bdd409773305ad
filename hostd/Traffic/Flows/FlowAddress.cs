using System.Buffers.Binary;
using System.Net;

namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>Converts the flow table's 128-bit addresses (IPv4 as IPv4-mapped IPv6) to and from <see cref="IPAddress"/>.</summary>
public static class FlowAddress
{
    private static readonly UInt128 s_mappedPrefix = new(0, 0x0000_FFFF_0000_0000UL);
    private static readonly UInt128 s_mappedMask = new(ulong.MaxValue, 0xFFFF_FFFF_0000_0000UL);

    public static IPAddress ToIPAddress(UInt128 address)
    {
        if ((address & s_mappedMask) == s_mappedPrefix)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)address);
            return new IPAddress(v4);
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, address);
        return new IPAddress(v6);
    }

    public static UInt128 FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.MapToIPv6().TryWriteBytes(bytes, out _))
        {
            throw new ArgumentException("not an IP address", nameof(address));
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static string Format(UInt128 address) => ToIPAddress(address).ToString();
}
