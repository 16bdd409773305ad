using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary><c>jumpstart image fill</c> and the pseudo mode of <c>image serve</c>: output and exit codes, in-process.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class PseudoImageCliTests
{
    [Theory]
    [InlineData("fill: no --cache", "image", "fill", "--upstream", "nbd://127.0.0.1/x")]
    [InlineData("fill: no --upstream", "image", "fill", "--cache", "/tmp/none")]
    [InlineData("fill: bad URI", "image", "fill", "--upstream", "http://x/y", "--cache", "/tmp/none")]
    [InlineData("fill: bad extent size", "image", "fill", "--upstream", "nbd://127.0.0.1/x", "--cache", "/tmp/none", "--extent-size", "1000")]
    [InlineData("fill: negative rate", "image", "fill", "--upstream", "nbd://127.0.0.1/x", "--cache", "/tmp/none", "--rate", "-1")]
    [InlineData("serve: file and upstream", "image", "serve", "--file", "/tmp/x", "--upstream", "nbd://127.0.0.1/x", "--cache", "/tmp/none", "--unix", "/tmp/s")]
    public async Task BadCommandLines_ExitWithUsage(string why, params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        Assert.True(code == ExitCodes.Usage, $"{why}: exit {code}, {error}");
        Assert.StartsWith("jumpstart: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fill_WithNoReachableUpstream_ExitsUnavailable()
    {
        using var dir = new TempDirectory("pseudo-cli");
        var (code, _, error) = await RunAsync("image", "fill", "--upstream", $"nbd+unix:///x?socket={dir.Combine("absent.sock")}", "--cache", dir.Combine("cache"));
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("no upstream could be reached", error, StringComparison.Ordinal);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task Fill_PrintsProgressAndJson_ThenACacheOfAnotherName_IsRefusedWithDataError()
    {
        using var dir = new TempDirectory("pseudo-cli");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), 3L * TestImages.MiB);
        await using var server = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("up.sock"));
        var cache = dir.Combine("cache");

        var (code, output, error) = await RunAsync("image", "fill", "--upstream", server.Uri.ToString(), "--cache", cache, "--json");
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("fill: 100.0% 3145728/3145728 bytes", error, StringComparison.Ordinal);
        Assert.Contains("\"complete\": true", output, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(cache, "data")));

        (code, _, error) = await RunAsync("image", "fill", "--upstream", server.Uri.ToString(), "--cache", cache, "--name", "other");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("cache refused", error, StringComparison.Ordinal);
        Assert.Contains("'other'", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
