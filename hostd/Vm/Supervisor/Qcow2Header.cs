using System.Buffers.Binary;
using System.Text;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// The backing file name in a qcow2 image's header (QEMU docs/interop/qcow2.txt, "Header": magic "QFI\xfb" at 0,
/// backing_file_offset u64 at 8, backing_file_size u32 at 16, big-endian; the name is at most 1023 bytes, not NUL-terminated).
/// Read here rather than by running qemu-img for one field of a file hostd wrote itself.
/// </summary>
public static class Qcow2Header
{
    /// <summary>The longest backing file name the format allows.</summary>
    public const int MaxBackingFileBytes = 1023;

    private const uint Magic = 0x514649fb;
    private const int HeaderBytes = 20;

    /// <summary>The backing file of the qcow2 image at <paramref name="path"/>; null when it has none or is no qcow2 file (or is missing).</summary>
    public static string? BackingFile(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var file = File.OpenHandle(path);
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (RandomAccess.Read(file, header, 0) < HeaderBytes || BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
        {
            return null;
        }

        var offset = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
        var size = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        if (offset == 0 || size is 0 or > MaxBackingFileBytes || offset > (ulong)RandomAccess.GetLength(file))
        {
            return null;
        }

        var name = new byte[size];
        return RandomAccess.Read(file, name, (long)offset) == name.Length ? Encoding.UTF8.GetString(name) : null;
    }
}
