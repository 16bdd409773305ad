namespace Jumpstart.Tests.Nbd;

/// <summary>Raw test images: random data in some regions and holes in others, from a fixed seed.</summary>
public static class TestImages
{
    public const int MiB = 1024 * 1024;

    /// <summary>
    /// Writes a sparse image of <paramref name="size"/> bytes: every other MiB-aligned 1 MiB region (and the
    /// unaligned tail) holds random bytes, the rest are holes. Returns the file's content.
    /// </summary>
    public static byte[] CreateSparse(string path, long size, int seed = 42)
    {
        var content = new byte[size];
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(size);
        for (long at = 0; at < size; at += 2 * MiB)
        {
            var length = (int)Math.Min(MiB, size - at);
            random.NextBytes(content.AsSpan((int)at, length));
            file.Position = at;
            file.Write(content, (int)at, length);
        }

        // A tail that is not a whole MiB, with data, so short last extents are exercised.
        var tail = (int)(size % MiB);
        if (tail > 0)
        {
            random.NextBytes(content.AsSpan((int)(size - tail), tail));
            file.Position = size - tail;
            file.Write(content, (int)(size - tail), tail);
        }

        return content;
    }
}
