using System.Security.Cryptography;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>The sealing of multicast chunks: AES-256-GCM bound to the key, the bundle id and the chunk index.</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ChunkCipherTests
{
    private static readonly string s_bundle = new('a', 64);

    public enum Wrong
    {
        Nothing,
        Key,
        Index,
        Bundle,
        CiphertextByte,
        TagByte,
    }

    [Theory]
    [InlineData(Wrong.Nothing, true)]
    [InlineData(Wrong.Key, false)]
    [InlineData(Wrong.Index, false)]
    [InlineData(Wrong.Bundle, false)]
    [InlineData(Wrong.CiphertextByte, false)]
    [InlineData(Wrong.TagByte, false)]
    public void ASealedChunk_OpensOnlyWithItsKeyBundleAndIndex_Untouched(Wrong wrong, bool opens)
    {
        var key = ChunkCipher.NewKey();
        var plain = RandomNumberGenerator.GetBytes(5000);
        var sealedChunk = new byte[plain.Length + ChunkCipher.TagBytes];
        using (var sealer = new ChunkCipher(key, s_bundle))
        {
            sealer.Seal(7, plain, sealedChunk);
        }

        Assert.False(sealedChunk.AsSpan(0, plain.Length).SequenceEqual(plain));
        if (wrong == Wrong.CiphertextByte)
        {
            sealedChunk[100] ^= 1;
        }
        else if (wrong == Wrong.TagByte)
        {
            sealedChunk[^1] ^= 1;
        }

        using var opener = new ChunkCipher(wrong == Wrong.Key ? ChunkCipher.NewKey() : key, wrong == Wrong.Bundle ? new string('b', 64) : s_bundle);
        var opened = new byte[plain.Length];

        Assert.Equal(opens, opener.TryOpen(wrong == Wrong.Index ? 8 : 7, sealedChunk, opened));
        Assert.Equal(opens, opened.AsSpan().SequenceEqual(plain));
    }

    [Fact]
    public void TwoChunksOfTheSameBytes_SealDifferently()
    {
        var key = ChunkCipher.NewKey();
        var plain = new byte[4096];
        var first = new byte[plain.Length + ChunkCipher.TagBytes];
        var second = new byte[first.Length];
        using var cipher = new ChunkCipher(key, s_bundle);

        cipher.Seal(0, plain, first);
        cipher.Seal(1, plain, second);

        Assert.False(first.AsSpan().SequenceEqual(second));
        Assert.Equal(ChunkCipher.KeyBytes, key.Length);
    }
}
