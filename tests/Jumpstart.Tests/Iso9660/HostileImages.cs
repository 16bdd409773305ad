using System.Buffers.Binary;
using System.Text;
using Jumpstart.Shared.Iso9660;

namespace Jumpstart.Tests.Iso9660;

/// <summary>A small valid image and surgical edits of its ECMA-119 fields, written here independently of the library's constants.</summary>
internal static class HostileImages
{
    public const int Sector = 2048;
    private const int PrimaryDescriptor = 16 * Sector;
    private const int RootRecord = PrimaryDescriptor + 156;

    public static byte[] Small()
    {
        var builder = new IsoImageBuilder("HOSTILE", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        builder.AddFile("top.txt", Encoding.UTF8.GetBytes("top"));
        builder.AddFile("sub/inner.txt", Encoding.UTF8.GetBytes("inner"));
        builder.AddFile("sub/deeper/leaf.txt", Encoding.UTF8.GetBytes("leaf"));
        builder.AddFile(new string('x', 200), Encoding.UTF8.GetBytes("long name"));
        builder.AddSymlink("link", "sub/inner.txt");
        return builder.BuildImage();
    }

    public static uint RootExtent(byte[] image) => BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(RootRecord + 2));

    /// <summary>Byte offset of the record named <paramref name="identifier"/> (ECMA-119 name, e.g. "SUB") in the root directory.</summary>
    public static int FindRootRecord(byte[] image, string identifier)
    {
        var position = (int)RootExtent(image) * Sector;
        var end = position + Sector;
        while (position < end && image[position] != 0)
        {
            var length = image[position];
            var name = Encoding.ASCII.GetString(image, position + 33, image[position + 32]);
            if (name == identifier)
            {
                return position;
            }

            position += length;
        }

        throw new InvalidOperationException($"no record {identifier}");
    }

    public static void WriteBoth32(byte[] image, int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(offset), value);
        BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(offset + 4), value);
    }
}
