using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Daemon;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// <c>jumpstart-guestd apply</c> in-process for inputs that fail before any change (so the real
/// iproute2/sethostname wiring touches nothing here), and the engine reading real disc images.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class ApplyCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new("guestd-apply");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Apply_CorruptDisc_Exits65AndChangesNothing()
    {
        var disc = _temp.Combine("bad.iso");
        var good = _temp.Combine("good.iso");
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24"), good);
        var bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(disc, bytes.AsSpan(0, bytes.Length / 3).ToArray());

        var (code, _, error) = await RunAsync("apply", "--disc", disc, "--state-dir", _temp.Combine("state"), "--root", _temp.Combine("root"));

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("read-disc", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("state")));
        Assert.False(Directory.Exists(_temp.Combine("root")));
    }

    [ToolFact("genisoimage")]
    public async Task Apply_DiscWithInjectedAddress_Exits65BeforeAnyChange()
    {
        // Made by genisoimage, not by our writer (which refuses such metadata), as a hostile host would.
        var tree = _temp.Combine("tree", "jumpstart");
        Directory.CreateDirectory(tree);
        var hostile = ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24") is var m
            ? m with { Interfaces = [m.Interfaces[0] with { Addresses = ["10.0.0.5/24 dev lo"] }] }
            : null!;
        await File.WriteAllTextAsync(Path.Combine(tree, "metadata.json"), JsonSerializer.Serialize(hostile, MetadataJson.Options));
        var disc = _temp.Combine("hostile.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-R", "-J", "-V", MetadataDisc.JumpstartLabel, "-o", disc, _temp.Combine("tree")]);

        var (code, output, _) = await RunAsync("apply", "--disc", disc, "--state-dir", _temp.Combine("state"), "--root", _temp.Combine("root"), "--json");

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("interfaces[0].addresses[0]", output, StringComparison.Ordinal);
        Assert.Contains("\"failedStep\": \"read-disc\"", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("state")));
        Assert.False(Directory.Exists(_temp.Combine("root")));
    }

    [Fact]
    public async Task Apply_MissingDisc_Exits66()
    {
        var (code, _, error) = await RunAsync("apply", "--disc", _temp.Combine("nope.iso"), "--state-dir", _temp.Combine("state"));

        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Contains("nope.iso", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WithoutDisc_IsAUsageError()
    {
        var (code, _, error) = await RunAsync("apply");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--disc", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_BrokenSettingsFile_Exits78()
    {
        var config = _temp.Combine("guestd.json");
        await File.WriteAllTextAsync(config, "{ \"Guestd\": { \"pollIntervalMs\": 1 } }");

        var (code, _, error) = await RunAsync("apply", "--config", config, "--disc", _temp.Combine("x.iso"));

        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("pollIntervalMs", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Engine_RealDiscImage_IsAppliedOnceAndTheSameDiscAgainIsANoOp()
    {
        var disc = _temp.Combine("node1.iso");
        MetadataDisc.WriteFile(ConfigurationEngineTests.Standalone("i-1", "node1", "10.0.0.5/24") with { SelfScript = "exit 0" }, disc);
        var network = new RecordingNetworkConfigurator(new NetworkLink("ens3", "52:54:00:aa:00:01", IsLoopback: false));
        var engine = new ConfigurationEngine(
            new EngineOptions { Root = _temp.Combine("root"), StateDirectory = _temp.Combine("state") }, network, new RecordingKernelHostname(), NullLoggerFactory.Instance);

        var first = await engine.ApplyDiscAsync(disc, CancellationToken.None);
        var commands = network.Commands.Count;
        var second = await engine.ApplyDiscAsync(disc, CancellationToken.None);

        Assert.False(first.AlreadyApplied);
        Assert.Equal(StepNames.ReadDisc, first.Steps[0].Step);
        Assert.Contains(first.Steps, s => s.Step == StepNames.Self);
        Assert.True(second.AlreadyApplied);
        Assert.Equal(commands, network.Commands.Count);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GuestdCommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
