using System.Globalization;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Memory;

/// <summary>
/// Zeroes the guest's free memory from user space, once, right before a template is suspended into a
/// migration stream: it maps anonymous memory with <c>MAP_POPULATE</c> (the kernel gives every page an
/// anonymous write fault hands out zeroed) until only a reserve is left free, then unmaps it all, so those
/// pages go back to the free lists holding zeroes. QEMU sends an all-zero page as a marker of a few bytes
/// instead of 4 KiB, so the stream shrinks by about the guest's free memory and loads that much faster.
/// </summary>
/// <remarks>
/// Nothing is dropped or reclaimed: the page cache stays (the files a clone will read are the ones the
/// template had warm), and the reserve keeps the mapping above the kernel's watermarks, so kswapd has no
/// reason to evict it and the OOM killer no reason to wake. Each chunk is checked against
/// <c>MemFree</c> before it is mapped; a chunk the kernel refuses ends the pass early (a smaller stream
/// than possible, never a failure). The clones pay nothing: this runs in the template only, and leaves no
/// device, kernel option or background work behind (see <c>TemplateBuilder.ZeroFreeMemory</c> in hostd
/// for the alternatives measured).
/// </remarks>
public sealed class FreeMemoryZeroer
{
    /// <summary>The most mapped at once between two looks at <c>MemFree</c>.</summary>
    public const long ChunkBytes = 8L << 20;

    /// <summary>The smallest piece worth mapping at the end of the pass.</summary>
    public const long MinimumChunkBytes = 1L << 20;

    /// <summary>Free memory left alone, at least; more on a guest whose <c>min_free_kbytes</c> is larger.</summary>
    public const long MinimumReserveBytes = 16L << 20;

    /// <summary>The reserve in multiples of <c>vm.min_free_kbytes</c> (the high watermark is about 1.5 times it).</summary>
    public const int ReserveWatermarks = 4;

    private readonly string _memInfo;
    private readonly string _minFreeKbytes;

    /// <param name="memInfo">proc(5)'s meminfo (a test may point elsewhere).</param>
    /// <param name="minFreeKbytes">The <c>vm.min_free_kbytes</c> sysctl file.</param>
    public FreeMemoryZeroer(string memInfo = "/proc/meminfo", string minFreeKbytes = "/proc/sys/vm/min_free_kbytes")
    {
        _memInfo = memInfo;
        _minFreeKbytes = minFreeKbytes;
    }

    /// <summary>The free memory to leave alone on this machine.</summary>
    public long ReserveBytes()
    {
        var minFree = ReadNumber(_minFreeKbytes);
        return Math.Max(MinimumReserveBytes, minFree is { } kib ? kib * 1024 * ReserveWatermarks : 0);
    }

    /// <summary><c>MemFree</c> from meminfo, or null when it cannot be read.</summary>
    public long? FreeBytes()
    {
        foreach (var line in File.ReadLines(_memInfo))
        {
            // "MemFree:          148448 kB"
            if (line.StartsWith("MemFree:", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan("MemFree:".Length).Trim().TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                return kib * 1024;
            }
        }

        return null;
    }

    /// <summary>Zeroes the free memory above the reserve; returns how many bytes it zeroed.</summary>
    public long Zero(CancellationToken cancellationToken)
    {
        var reserve = ReserveBytes();
        var mapped = new List<(nint Address, long Length)>();
        long zeroed = 0;
        try
        {
            var free = FreeBytes();
            while (!cancellationToken.IsCancellationRequested && free is { } before)
            {
                var length = Math.Min(ChunkBytes, (before - reserve) / MinimumChunkBytes * MinimumChunkBytes);
                if (length < MinimumChunkBytes)
                {
                    break;
                }

                var address = LibC.Mmap(0, (nuint)length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | LibC.MapPopulate, -1, 0);
                if (address == LibC.MapFailed)
                {
                    break;
                }

                mapped.Add((address, length));
                zeroed += length;

                // MAP_POPULATE is best effort: a chunk the kernel did not back with pages leaves MemFree where it was,
                // and mapping on would only grow the address space, so that ends the pass.
                free = FreeBytes();
                if (free is not { } after || before - after < length / 2)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (var (address, length) in mapped)
            {
                _ = LibC.Munmap(address, (nuint)length);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return zeroed;
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
