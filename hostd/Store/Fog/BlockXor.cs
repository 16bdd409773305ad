using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>XOR of equal-length buffers, vectorised.</summary>
public static class BlockXor
{
    /// <summary><paramref name="destination"/> ^= <paramref name="source"/> (same length).</summary>
    /// <remarks>Optimised from the first call: this loop carries every byte the store moves.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Into(Span<byte> destination, ReadOnlySpan<byte> source)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException("XOR of buffers of different lengths", nameof(source));
        }

        var done = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var d = MemoryMarshal.Cast<byte, Vector<byte>>(destination);
            var s = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            for (var i = 0; i < d.Length; i++)
            {
                d[i] ^= s[i];
            }

            done = d.Length * Vector<byte>.Count;
        }

        for (var i = done; i < destination.Length; i++)
        {
            destination[i] ^= source[i];
        }
    }

    /// <summary>Writes into <paramref name="destination"/> the XOR of the blocks selected by <paramref name="mask"/>.</summary>
    public static void Combine(Span<byte> destination, int mask, Func<int, ReadOnlyMemory<byte>> block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var first = true;
        for (var i = 0; mask >> i != 0; i++)
        {
            if ((mask >> i & 1) == 0)
            {
                continue;
            }

            if (first)
            {
                block(i).Span.CopyTo(destination);
                first = false;
            }
            else
            {
                Into(destination, block(i).Span);
            }
        }
    }
}
