namespace Jumpstart.Tests.Images;

/// <summary>Test images: random data in some 1 MiB chunks, holes in the others (fixed seed).</summary>
internal static class ImageFiles
{
    public const int MiB = 1024 * 1024;

    /// <summary>Writes a sparse image of <paramref name="sizeMiB"/> MiB where every <paramref name="dataEvery"/>-th MiB holds random bytes.</summary>
    public static string CreateSparse(string path, int sizeMiB, int dataEvery = 3, int seed = 42)
    {
        var random = new Random(seed);
        var chunk = new byte[MiB];
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength((long)sizeMiB * MiB);
        for (var i = 0; i < sizeMiB; i += dataEvery)
        {
            random.NextBytes(chunk);
            file.Position = (long)i * MiB;
            file.Write(chunk);
        }

        return path;
    }

    /// <summary>Allocated bytes on disk (st_blocks × 512).</summary>
    public static long AllocatedBytes(string path)
    {
        if (Mono.Unix.Native.Syscall.stat(path, out var stat) != 0)
        {
            throw new IOException($"stat {path} failed");
        }

        return stat.st_blocks * 512;
    }

    public static bool SameBytes(string a, string b)
    {
        using var x = File.OpenRead(a);
        using var y = File.OpenRead(b);
        if (x.Length != y.Length)
        {
            return false;
        }

        var bx = new byte[MiB];
        var by = new byte[MiB];
        int n;
        while ((n = x.Read(bx)) > 0)
        {
            y.ReadExactly(by, 0, n);
            if (!bx.AsSpan(0, n).SequenceEqual(by.AsSpan(0, n)))
            {
                return false;
            }
        }

        return true;
    }
}
