using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImageCopierTests
{
    private const int MiB = ImageFiles.MiB;

    [ToolFact("qemu-img")]
    public async Task Copy_WholeImage_IsEqualForQemuImgAndKeepsHoles()
    {
        using var dir = new TempDirectory("copy");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 48);
        await using var source = FileBlockSource.Open(image);
        var reports = new List<CopyProgress>();

        var result = await new ImageCopier().CopyAsync(source, dir.Combine("copy.raw"), new CopyOptions { Streams = 4 }, new CollectingProgress<CopyProgress>(reports), CancellationToken.None);

        await Requirements.RunToolAsync("qemu-img", ["compare", "-f", "raw", "-F", "raw", image, dir.Combine("copy.raw")]);
        Assert.Equal(48L * MiB, result.BytesCopied);
        Assert.Equal(16L * MiB, result.BytesWritten);
        Assert.True(ImageFiles.AllocatedBytes(dir.Combine("copy.raw")) <= 17L * MiB, "zero chunks must stay holes");
        Assert.Equal(48L * MiB, reports[^1].BytesDone);
        Assert.Equal(reports[^1].BytesTotal, reports[^1].BytesDone);
        Assert.Empty(Directory.GetFiles(dir.Path, ".copy.raw*"));
    }

    [Fact]
    public async Task Copy_ListedRegions_CopiesThoseAndLeavesTheRestEmpty()
    {
        using var dir = new TempDirectory("copy");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 16, dataEvery: 1);
        await using var source = FileBlockSource.Open(image);
        var options = new CopyOptions { Streams = 3, Regions = ImageRegion.ParseList("1MiB:2MiB,8M:1536K,2MiB:512K") };

        var result = await new ImageCopier().CopyAsync(source, dir.Combine("part.raw"), options, null, CancellationToken.None);

        Assert.Equal((2L * MiB) + (1536L * 1024), result.BytesCopied);
        var original = await File.ReadAllBytesAsync(image);
        var copy = await File.ReadAllBytesAsync(dir.Combine("part.raw"));
        Assert.Equal(original.Length, copy.Length);
        Assert.True(copy.AsSpan(0, MiB).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(copy.AsSpan(MiB, 2 * MiB).SequenceEqual(original.AsSpan(MiB, 2 * MiB)));
        Assert.True(copy.AsSpan(3 * MiB, 5 * MiB).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(copy.AsSpan(8 * MiB, 1536 * 1024).SequenceEqual(original.AsSpan(8 * MiB, 1536 * 1024)));
        Assert.True(copy.AsSpan((8 * MiB) + (1536 * 1024)).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public async Task Replicate_ToThreeDestinations_MakesThreeEqualCopies()
    {
        using var dir = new TempDirectory("copy");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 24, dataEvery: 2);
        await using var source = FileBlockSource.Open(image);
        string[] targets = [dir.Combine("a.raw"), dir.Combine("b.raw"), dir.Combine("c.raw")];

        var results = await new ImageCopier().ReplicateAsync(source, targets, new CopyOptions { Streams = 2, ChunkSize = 256 * 1024 }, null, CancellationToken.None);

        Assert.Equal(3, results.Count);
        Assert.All(targets, t => Assert.True(ImageFiles.SameBytes(image, t), t));
    }

    [Fact]
    public async Task Copy_WhenTheSourceFailsMidway_LeavesTheOldDestinationAndNoTempFile()
    {
        using var dir = new TempDirectory("copy");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 16, dataEvery: 1);
        var target = dir.Combine("copy.raw");
        await File.WriteAllTextAsync(target, "previous copy");
        await using var source = new FailingSource(FileBlockSource.Open(image), failAt: 9L * MiB);

        var error = await Assert.ThrowsAsync<NbdErrorException>(() => new ImageCopier().CopyAsync(source, target, new CopyOptions { Streams = 4 }, null, CancellationToken.None));

        Assert.Equal(NbdError.Io, error.Error);
        Assert.Equal("previous copy", await File.ReadAllTextAsync(target));
        Assert.Single(Directory.GetFiles(dir.Path, "*copy*"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("1G:")]
    [InlineData(":5M")]
    [InlineData("0:0")]
    [InlineData("x:1M")]
    public void ParseRegions_RejectsMalformedItems(string text)
        => Assert.Throws<FormatException>(() => ImageRegion.ParseList(text));

    [Fact]
    public void NormalizeRegions_MergesOverlapsAndRejectsRangesPastTheEnd()
    {
        var merged = ImageRegion.Normalize(ImageRegion.ParseList("4M:4M,0:1M,6M:4M,1M:1M"), 16L * MiB);

        Assert.Equal([new ImageRegion(0, 2L * MiB), new ImageRegion(4L * MiB, 6L * MiB)], merged);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageRegion.Normalize(ImageRegion.ParseList("15M:2M"), 16L * MiB));
    }

    /// <summary>A real file source that answers EIO for reads at or past one offset (an upstream failing mid-copy).</summary>
    private sealed class FailingSource(IBlockSource inner, long failAt) : IBlockSource
    {
        public string Name => inner.Name;

        public long Size => inner.Size;

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
            => offset + destination.Length > failAt
                ? throw new NbdErrorException(NbdError.Io, "upstream failed")
                : inner.ReadAsync(offset, destination, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
