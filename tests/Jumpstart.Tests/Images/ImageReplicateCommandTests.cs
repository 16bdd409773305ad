using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary><c>jumpstart image replicate</c> from our NBD server over a unix socket to local files.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImageReplicateCommandTests
{
    [Fact]
    public async Task Replicate_FromAnNbdExport_ToTwoFiles_MakesEqualCopiesAndReportsProgress()
    {
        using var dir = new TempDirectory("replicate");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 20, dataEvery: 2);
        var exports = new NbdExportSet();
        using var export = FileExport.Open(image, readOnly: true);
        exports.Add("base", export);
        await using var server = NbdServer.ListenUnix(dir.Combine("nbd.sock"), exports);

        var (code, output, error) = await ImageCli.RunAsync(
            "image", "replicate", "--from", $"nbd+unix:///base?socket={dir.Combine("nbd.sock")}",
            "--to", dir.Combine("a.raw"), "--to", dir.Combine("b.raw"), "--streams", "8", "--chunk-size", "512K");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.True(ImageFiles.SameBytes(image, dir.Combine("a.raw")));
        Assert.True(ImageFiles.SameBytes(image, dir.Combine("b.raw")));
        Assert.Contains("100.0%", error, StringComparison.Ordinal);
        Assert.Contains("a.raw: 20 MiB in", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--regions", "0:1MiB,oops")]
    [InlineData("--streams", "0")]
    [InlineData("--chunk-size", "1000")]
    public async Task Replicate_WithABadOption_ExitsUsage(string option, string value)
    {
        using var dir = new TempDirectory("replicate");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 2);

        var (code, _, error) = await ImageCli.RunAsync("image", "replicate", "--from", image, "--to", dir.Combine("copy.raw"), option, value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("jumpstart: ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("copy.raw")));
    }

    [Fact]
    public async Task Replicate_RegionPastTheEnd_ExitsUsageAndWritesNothing()
    {
        using var dir = new TempDirectory("replicate");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 2);

        var (code, _, error) = await ImageCli.RunAsync("image", "replicate", "--from", image, "--to", dir.Combine("copy.raw"), "--regions", "1MiB:2MiB");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("not inside the image", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path, "*copy*"));
    }

    [Fact]
    public async Task Replicate_Multicast_WithoutReceivers_ExitsUsage()
    {
        using var dir = new TempDirectory("replicate");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 1);

        var (code, _, error) = await ImageCli.RunAsync("image", "replicate", "--multicast", "--from", image, "--to", "base.raw");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--receiver", error, StringComparison.Ordinal);
    }
}
