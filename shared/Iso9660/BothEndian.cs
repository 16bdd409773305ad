using System.Buffers.Binary;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// ECMA-119 7.2.3 and 7.3.3 "both-byte orders" fields: little-endian then big-endian copy. Readers
/// trust the little-endian half, as the Linux kernel does, because some writers get the other wrong.
/// </summary>
internal static class BothEndian
{
    public const int Size16 = 4;
    public const int Size32 = 8;

    public static void Write16(Span<byte> destination, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, value);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], value);
    }

    public static void Write32(Span<byte> destination, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], value);
    }

    public static ushort Read16(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt16LittleEndian(source);

    public static uint Read32(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt32LittleEndian(source);
}
