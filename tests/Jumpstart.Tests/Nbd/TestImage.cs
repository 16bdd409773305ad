namespace Jumpstart.Tests.Nbd;

/// <summary>
/// A sparse raw image with a known layout, so real clients can check what they read:
/// random data, a region of one byte value (for qemu-io -P), holes, and data again up to the end.
/// </summary>
public static class TestImage
{
    public const int MiB = 1024 * 1024;
    public const long Size = 16L * MiB;

    /// <summary>Bytes [<see cref="PatternStart"/>, +<see cref="PatternLength"/>) all hold <see cref="PatternByte"/>.</summary>
    public const long PatternStart = 1 * MiB;
    public const long PatternLength = 1 * MiB;
    public const byte PatternByte = 0xA5;

    /// <summary>(start, length) of every data region; the rest is holes.</summary>
    public static readonly (long Start, long Length)[] DataRegions =
    [
        (0, 2 * MiB),            // random 1 MiB, then the pattern MiB
        (5 * MiB, 3 * MiB),      // random
        (15 * MiB, 1 * MiB),     // random, up to the end
    ];

    /// <summary>Writes the image to <paramref name="path"/> with a fixed seed; holes are never written.</summary>
    public static void Create(string path, int seed = 4)
    {
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.SetLength(Size);
        foreach (var (start, length) in DataRegions)
        {
            var data = new byte[length];
            random.NextBytes(data);
            stream.Position = start;
            stream.Write(data);
        }

        stream.Position = PatternStart;
        stream.Write(Enumerable.Repeat(PatternByte, (int)PatternLength).ToArray());
    }
}
