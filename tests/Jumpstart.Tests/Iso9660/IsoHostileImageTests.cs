using Jumpstart.Shared.Iso9660;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Iso9660;

[Trait(Capabilities.Trait, Capabilities.Iso9660)]
public sealed class IsoHostileImageTests
{
    private const int ExtentField = 2;
    private const int DataLengthField = 10;

    [Fact]
    public void Open_SmallImage_IsReadable()
    {
        using var iso = IsoImage.Open(new MemoryStream(HostileImages.Small()));

        Assert.Equal("inner"u8.ToArray(), iso.ReadFile("sub/inner.txt"));
    }

    [Fact]
    public void Open_DirectoryPointingBackAtRoot_ThrowsInsteadOfLooping()
    {
        var image = HostileImages.Small();
        var sub = HostileImages.FindRootRecord(image, "SUB");
        HostileImages.WriteBoth32(image, sub + ExtentField, HostileImages.RootExtent(image));

        var error = Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));

        Assert.Contains("loops", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryExtentPastTheEnd_Throws()
    {
        var image = HostileImages.Small();
        HostileImages.WriteBoth32(image, HostileImages.FindRootRecord(image, "SUB") + ExtentField, 0xFFFF_FF00);

        var error = Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));

        Assert.Contains("past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AbsurdDirectoryLength_ThrowsWithoutAllocatingIt()
    {
        var image = HostileImages.Small();
        HostileImages.WriteBoth32(image, HostileImages.FindRootRecord(image, "SUB") + DataLengthField, uint.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));

        Assert.Contains("claims 4294967295 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Open_FileExtendingPastTheEnd_Throws()
    {
        var image = HostileImages.Small();
        HostileImages.WriteBoth32(image, HostileImages.FindRootRecord(image, "TOP.TXT;1") + DataLengthField, 0x7FFF_FFFF);

        var error = Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));

        Assert.Contains("extends past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RecordShorterThanItsFixedPart_Throws()
    {
        var image = HostileImages.Small();
        image[HostileImages.FindRootRecord(image, "SUB")] = 20;

        Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));
    }

    [Fact]
    public void Open_NoVolumeDescriptorTerminator_Throws()
    {
        var image = HostileImages.Small();
        image[18 * HostileImages.Sector] = 0; // the terminator becomes a boot record; sector 19 is no descriptor

        Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(image)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(32 * 1024)]
    public void Open_NotAnIsoImage_Throws(int length)
    {
        var error = Assert.Throws<IsoFormatException>(() => IsoImage.Open(new MemoryStream(new byte[length])));

        Assert.Contains(length >= 17 * HostileImages.Sector ? "not an ISO 9660 image" : "", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EveryTruncation_ThrowsIsoFormatException()
    {
        var image = HostileImages.Small();
        for (var length = 0; length < image.Length; length += length < 20 * HostileImages.Sector ? 509 : 1024)
        {
            var cut = image.AsSpan(0, length).ToArray();

            var error = Record.Exception(() => IsoImage.Open(new MemoryStream(cut)).Dispose());

            Assert.True(error is IsoFormatException, $"length {length}: {error?.GetType().Name ?? "no error"}");
        }
    }

    [Fact]
    public void ReadFile_LargerThanTheCallersLimit_Throws()
    {
        using var iso = IsoImage.Open(new MemoryStream(HostileImages.Small()));

        Assert.Throws<IsoFormatException>(() => iso.ReadFile("sub/inner.txt", maxBytes: 2));
    }
}
