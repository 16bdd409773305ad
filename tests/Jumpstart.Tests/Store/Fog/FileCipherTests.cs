using System.Security.Cryptography;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Fog;

/// <summary>Chunked AES-GCM, the combination MAC, tokens and the block protocol's header bounds.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class FileCipherTests
{
    private const int BlockSize = 4096;

    private static FileCipher NewCipher(byte[]? key = null)
        => new(key ?? RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(16), 7, BlockSize);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(BlockSize - 16)]
    public void EncryptThenDecrypt_GivesThePlaintextBack(int length)
    {
        var cipher = NewCipher();
        var plain = RandomNumberGenerator.GetBytes(length);
        var block = new byte[BlockSize];
        cipher.Encrypt(3, final: true, plain, block);
        var back = new byte[length];
        cipher.Decrypt(3, final: true, block, back);
        Assert.Equal(plain, back);
    }

    [Fact]
    public void Decrypt_OfAFlippedBitAnotherIndexOrANonFinalClaim_Fails()
    {
        var cipher = NewCipher();
        var plain = RandomNumberGenerator.GetBytes(100);
        var block = new byte[BlockSize];
        cipher.Encrypt(0, final: true, plain, block);
        var back = new byte[100];
        Assert.Throws<StoreIntegrityException>(() => cipher.Decrypt(1, final: true, block, back));
        Assert.Throws<StoreIntegrityException>(() => cipher.Decrypt(0, final: false, block, back));
        block[5] ^= 1;
        Assert.Throws<StoreIntegrityException>(() => cipher.Decrypt(0, final: true, block, back));
    }

    [Fact]
    public void Mac_OfAnotherStripeSlotNonceOrByte_DoesNotVerify()
    {
        var key = CombinationMac.DeriveKey(RandomNumberGenerator.GetBytes(32));
        var id = RandomNumberGenerator.GetBytes(16);
        var nonce = RandomNumberGenerator.GetBytes(16);
        var data = RandomNumberGenerator.GetBytes(512);
        var tag = new byte[32];
        CombinationMac.Compute(key, id, 4, 2, nonce, data, tag);
        Assert.True(CombinationMac.Verify(key, id, 4, 2, nonce, data, tag));
        Assert.False(CombinationMac.Verify(key, id, 5, 2, nonce, data, tag));
        Assert.False(CombinationMac.Verify(key, id, 4, 3, nonce, data, tag));
        Assert.False(CombinationMac.Verify(key, id, 4, 2, RandomNumberGenerator.GetBytes(16), data, tag));
        data[0] ^= 0x80;
        Assert.False(CombinationMac.Verify(key, id, 4, 2, nonce, data, tag));
    }

    [Fact]
    public void PeerTokens_AuthenticateTheirOwnerAndNoOneElse()
    {
        var tokens = PeerTokens.Parse("# peers\nfog-a aaaaaaaaaaaaaaaaaaaa\nfog-b bbbbbbbbbbbbbbbbbbbb\n");
        Assert.Equal("fog-a", tokens.Authenticate("aaaaaaaaaaaaaaaaaaaa"u8));
        Assert.Equal("fog-b", tokens.Authenticate("bbbbbbbbbbbbbbbbbbbb"u8));
        Assert.Null(tokens.Authenticate("aaaaaaaaaaaaaaaaaaab"u8));
        Assert.Null(tokens.Authenticate(ReadOnlySpan<byte>.Empty));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("Peer aaaaaaaaaaaaaaaaaaaa")]
    [InlineData("a b c")]
    [InlineData("p aaaaaaaaaaaaaaaaaaaa\np bbbbbbbbbbbbbbbbbbbb")]
    public void PeerTokens_MalformedFile_IsRefused(string text)
        => Assert.Throws<FormatException>(() => PeerTokens.Parse(text));

    [Fact]
    public void RequestHeader_BeyondItsOpsLimit_IsRefusedBeforeAllocating()
    {
        var header = new byte[BlockProtocol.HeaderLength];
        BlockProtocol.WriteRequestHeader(header, BlockOp.Put, 32, BlockProtocol.MaxPayload);
        Assert.Equal((BlockOp.Put, 32, BlockProtocol.MaxPayload), BlockProtocol.ParseRequestHeader(header));
        BlockProtocol.WriteRequestHeader(header, BlockOp.Put, 32, BlockProtocol.MaxPayload + 1);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
        BlockProtocol.WriteRequestHeader(header, BlockOp.Hello, 0, BlockProtocol.MaxTokenLength + 1);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
        BlockProtocol.WriteRequestHeader(header, BlockOp.Get, 32, 1);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
        BlockProtocol.WriteRequestHeader(header, BlockOp.Get, BlockProtocol.MaxIdLength + 1, 0);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
        header[1] = 99;
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
        header[0] = 2;
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseRequestHeader(header));
    }

    [Fact]
    public void ResponseHeader_WithANegativeOrHugeLength_IsRefused()
    {
        var header = new byte[BlockProtocol.HeaderLength];
        BlockProtocol.WriteResponseHeader(header, BlockStatus.Ok, -1);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseResponseHeader(header));
        BlockProtocol.WriteResponseHeader(header, BlockStatus.Denied, BlockProtocol.MaxReasonLength + 1);
        Assert.Throws<BlockProtocolException>(() => BlockProtocol.ParseResponseHeader(header));
    }
}
