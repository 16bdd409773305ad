using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Protocol;

/// <summary>
/// The wire layouts the client and the server share, checked against the field widths proto.md gives: each field
/// starts where the one before it ends, and the header ends where the last field does.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdLayoutTests
{
    [Fact]
    public void Greeting_IsPasswordMagicThenNewstyleMagicThenFlags()
        => AssertContiguous(
            NbdGreetingLayout.Length,
            (NbdGreetingLayout.PasswordOffset, sizeof(ulong)),
            (NbdGreetingLayout.NewstyleMagicOffset, sizeof(ulong)),
            (NbdGreetingLayout.HandshakeFlagsOffset, sizeof(ushort)));

    [Fact]
    public void OptionHeader_IsMagicOptionAndDataLength()
        => AssertContiguous(
            NbdOptionLayout.HeaderLength,
            (NbdOptionLayout.MagicOffset, sizeof(ulong)),
            (NbdOptionLayout.OptionOffset, sizeof(uint)),
            (NbdOptionLayout.DataLengthOffset, sizeof(uint)));

    [Fact]
    public void OptionReplyHeader_IsMagicOptionTypeAndDataLength()
        => AssertContiguous(
            NbdOptionReplyLayout.HeaderLength,
            (NbdOptionReplyLayout.MagicOffset, sizeof(ulong)),
            (NbdOptionReplyLayout.OptionOffset, sizeof(uint)),
            (NbdOptionReplyLayout.TypeOffset, sizeof(uint)),
            (NbdOptionReplyLayout.DataLengthOffset, sizeof(uint)));

    [Fact]
    public void ExportDescriptions_AreSizeAndFlagsBehindTheirType()
    {
        AssertContiguous(NbdExportInfoLayout.ExportNameLength, (NbdExportInfoLayout.ExportNameSizeOffset, sizeof(ulong)), (NbdExportInfoLayout.ExportNameFlagsOffset, sizeof(ushort)));
        AssertContiguous(
            NbdExportInfoLayout.InfoExportLength,
            (NbdExportInfoLayout.InfoTypeOffset, NbdExportInfoLayout.InfoTypeLength),
            (NbdExportInfoLayout.InfoExportSizeOffset, sizeof(ulong)),
            (NbdExportInfoLayout.InfoExportFlagsOffset, sizeof(ushort)));
        AssertContiguous(
            NbdExportInfoLayout.InfoBlockSizeLength,
            (NbdExportInfoLayout.InfoTypeOffset, NbdExportInfoLayout.InfoTypeLength),
            (NbdExportInfoLayout.InfoBlockSizeMinimumOffset, sizeof(uint)),
            (NbdExportInfoLayout.InfoBlockSizePreferredOffset, sizeof(uint)),
            (NbdExportInfoLayout.InfoBlockSizeMaximumOffset, sizeof(uint)));
    }

    [Fact]
    public void Request_IsMagicFlagsTypeCookieOffsetLength()
        => AssertContiguous(
            NbdRequestLayout.Length,
            (NbdRequestLayout.MagicOffset, sizeof(uint)),
            (NbdRequestLayout.FlagsOffset, sizeof(ushort)),
            (NbdRequestLayout.TypeOffset, sizeof(ushort)),
            (NbdRequestLayout.CookieOffset, sizeof(ulong)),
            (NbdRequestLayout.OffsetOffset, sizeof(ulong)),
            (NbdRequestLayout.LengthOffset, sizeof(uint)));

    [Fact]
    public void Replies_StartWithTheMagicAndShareTheCookieOffset()
    {
        AssertContiguous(
            NbdReplyLayout.SimpleLength,
            (NbdReplyLayout.MagicOffset, NbdReplyLayout.MagicLength),
            (NbdReplyLayout.SimpleErrorOffset, sizeof(uint)),
            (NbdReplyLayout.CookieOffset, sizeof(ulong)));
        AssertContiguous(
            NbdReplyLayout.ChunkHeaderLength,
            (NbdReplyLayout.MagicOffset, NbdReplyLayout.MagicLength),
            (NbdReplyLayout.ChunkFlagsOffset, sizeof(ushort)),
            (NbdReplyLayout.ChunkTypeOffset, sizeof(ushort)),
            (NbdReplyLayout.CookieOffset, sizeof(ulong)),
            (NbdReplyLayout.ChunkPayloadLengthOffset, sizeof(uint)));
    }

    [Fact]
    public void Chunks_HoleDescriptorAndError_HaveTheirFieldsInOrder()
    {
        AssertContiguous(NbdChunkLayout.HoleLength, (0, NbdChunkLayout.OffsetLength), (NbdChunkLayout.HoleSizeOffset, sizeof(uint)));
        AssertContiguous(NbdChunkLayout.DescriptorLength, (0, sizeof(uint)), (NbdChunkLayout.DescriptorFlagsOffset, sizeof(uint)));
        AssertContiguous(NbdChunkLayout.ErrorFixedLength, (NbdChunkLayout.ErrorCodeOffset, sizeof(uint)), (NbdChunkLayout.ErrorMessageLengthOffset, sizeof(ushort)));
    }

    private static void AssertContiguous(int length, params (int Offset, int Width)[] fields)
    {
        var expected = 0;
        foreach (var (offset, width) in fields)
        {
            Assert.Equal(expected, offset);
            expected += width;
        }

        Assert.Equal(expected, length);
    }
}
