using System.Buffers.Binary;

namespace Jumpstart.Tests.Support;

/// <summary>Finds plaintext in a capture: every aligned <see cref="Block"/>-byte block of it, anywhere in the haystack.</summary>
public static class PlaintextSearch
{
    public const int Block = 32;

    /// <summary>Index in <paramref name="haystack"/> of any aligned <see cref="Block"/>-byte block of <paramref name="plaintext"/>, or -1.</summary>
    public static int FindAnyBlock(byte[] haystack, byte[] plaintext)
    {
        var blocks = new Dictionary<ulong, List<int>>();
        for (var offset = 0; offset + Block <= plaintext.Length; offset += Block)
        {
            var key = BinaryPrimitives.ReadUInt64LittleEndian(plaintext.AsSpan(offset));
            (blocks.TryGetValue(key, out var list) ? list : blocks[key] = []).Add(offset);
        }

        for (var i = 0; i + Block <= haystack.Length; i++)
        {
            if (blocks.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(haystack.AsSpan(i)), out var offsets)
                && offsets.Any(o => haystack.AsSpan(i, Block).SequenceEqual(plaintext.AsSpan(o, Block))))
            {
                return i;
            }
        }

        return -1;
    }
}
