using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metadata;

/// <summary><c>jumpstart iso build</c> and <c>jumpstart iso show</c>, run in-process.</summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
public sealed class IsoCliTests : IDisposable
{
    private readonly TempDirectory _temp = new("iso-cli");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Build_FromYaml_WritesADiscThatShowSummarizes()
    {
        var description = Write("clone.yaml", MetadataSamples.YamlDescription);
        var image = _temp.Combine("clone.iso");

        var (code, output, error) = await RunAsync("iso", "build", "--from", description, "--output", image);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("instance i-cli-1", output, StringComparison.Ordinal);
        var (showCode, summary, _) = await RunAsync("iso", "show", image);
        Assert.Equal(ExitCodes.Ok, showCode);
        Assert.Contains("instance:    i-cli-1", summary, StringComparison.Ordinal);
        Assert.Contains("address    10.20.0.10/24", summary, StringComparison.Ordinal);
        Assert.Contains("10.20.0.1:7400 (token set)", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-1", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_FromJson_AndShowJson_RoundTripsTheMetadata()
    {
        var json = JsonSerializer.Serialize(MetadataSamples.Full(), MetadataJson.Options);
        var description = Write("clone.json", json);
        var image = _temp.Combine("clone.iso");

        var (code, output, _) = await RunAsync("iso", "build", "--from", description, "--output", image, "--json");
        var (showCode, shown, _) = await RunAsync("iso", "show", image, "--json");

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (code, showCode));
        Assert.Equal("i-0042", JsonDocument.Parse(output).RootElement.GetProperty("instanceId").GetString());
        var read = JsonSerializer.Deserialize<CloneMetadata>(shown, MetadataJson.Options)!;
        Assert.Equal(MetadataSamples.Full().HostTime, read.HostTime);
        Assert.Equal("tok-abcdef0123456789", read.Cms!.Token);
    }

    [Fact]
    public async Task Build_WithoutHostTime_StampsTheCurrentTime()
    {
        var description = Write("clone.yaml", "instanceId: i-2\nhostname: h2\n");
        var image = _temp.Combine("clone.iso");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var (code, _, _) = await RunAsync("iso", "build", "--from", description, "--output", image);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.InRange(MetadataDisc.Read(image).HostTime!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Theory]
    [InlineData("instanceId: i-3\nhostname: \"h; rm -rf /\"\n", "hostname")]
    [InlineData("schemaVersion: \"2.0\"\ninstanceId: i-3\nhostname: h\n", "schema version 2.0 is not supported")]
    [InlineData("instanceId: [unclosed\n", "not valid YAML")]
    [InlineData("hostname: h\n", "malformed")]
    public async Task Build_BadDescription_Exits65AndWritesNothing(string yaml, string expected)
    {
        var description = Write("bad.yaml", yaml);
        var image = _temp.Combine("bad.iso");

        var (code, _, error) = await RunAsync("iso", "build", "--from", description, "--output", image);

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(File.Exists(image));
    }

    [Fact]
    public async Task Build_MissingDescription_Exits66()
    {
        var (code, _, error) = await RunAsync("iso", "build", "--from", _temp.Combine("absent.yaml"), "--output", _temp.Combine("x.iso"));

        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Contains("absent.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_WithoutOutput_Exits64()
    {
        var description = Write("clone.yaml", MetadataSamples.YamlDescription);

        var (code, _, error) = await RunAsync("iso", "build", "--from", description);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--output", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_MissingImage_Exits66()
    {
        var (code, _, _) = await RunAsync("iso", "show", _temp.Combine("absent.iso"));

        Assert.Equal(ExitCodes.NoInput, code);
    }

    [Fact]
    public async Task Show_NotADisc_Exits65()
    {
        var (code, _, error) = await RunAsync("iso", "show", Write("junk.iso", new string('x', 40_000)));

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("not a readable ISO 9660 disc", error, StringComparison.Ordinal);
    }

    [ToolFact("genisoimage")]
    public async Task Show_NoCloudDisc_PrintsItsFormat()
    {
        var source = Directory.CreateDirectory(_temp.Combine("seed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "meta-data"), "instance-id: nc-1\nlocal-hostname: nocloud\n");
        var image = _temp.Combine("seed.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-V", "cidata", "-J", "-R", "-o", image, source]);

        var (code, output, _) = await RunAsync("iso", "show", image);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("format:      NoCloud", output, StringComparison.Ordinal);
        Assert.Contains("hostname:    nocloud", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DescribesBothCommands()
    {
        var (code, output, _) = await RunAsync("iso", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("build", output, StringComparison.Ordinal);
        Assert.Contains("show", output, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
