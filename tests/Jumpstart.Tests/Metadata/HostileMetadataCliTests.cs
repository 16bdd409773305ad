using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Metadata;

/// <summary>
/// The corpus against the real <c>jumpstart</c> process: <c>iso show</c> on every malformed disc and <c>iso build
/// --from</c> on every malformed description exit 65 with one clear line and no stack trace, within a memory bound,
/// and the same program then reads a good disc. Before the fix these ended in exit 70 or 1 with an
/// InvalidOperationException or ArgumentException, and the deep YAML in a stack overflow (exit 134).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileMetadataCliTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// A CLI run reading a 1 MiB document stays far below this (about 70-110 MB measured); the bound leaves room for a
    /// loaded machine, and an unbounded alias expansion (10^10 nodes) would pass it within a second.
    /// </summary>
    private const long MaxPeakRssBytes = 250L * 1024 * 1024;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new("hostile-cli");

    public static TheoryData<string> DiscNames => HostileMetadataTests.DiscNames;

    public static TheoryData<string> DescriptionNames => HostileMetadataTests.DescriptionNames;

    public void Dispose() => _temp.Dispose();

    [ToolTheory("time")]
    [MemberData(nameof(DiscNames))]
    public async Task IsoShow_OnAHostileDisc_Exits65WithOneLine_AndAGoodDiscStillReads(string name)
    {
        var disc = HostileMetadata.Discs.Single(d => d.Name == name);
        var image = _temp.Combine(name + ".iso");
        await File.WriteAllBytesAsync(image, disc.Image());

        var attack = await JumpstartAsync("iso", "show", image);
        var good = await JumpstartAsync("iso", "show", GoodDisc());

        AssertRefused(attack, disc.Expected);
        Assert.Equal(ExitCodes.Ok, good.ExitCode);
        Assert.Contains("instance:    i-0042", good.StandardOutput, StringComparison.Ordinal);
    }

    [ToolTheory("time")]
    [MemberData(nameof(DescriptionNames))]
    public async Task IsoBuild_FromAHostileDescription_Exits65WithOneLine_AndWritesNothing(string name)
    {
        var description = HostileMetadata.Descriptions.Single(d => d.Name == name);
        var from = _temp.Combine(description.FileName);
        await File.WriteAllTextAsync(from, description.Text);
        var image = _temp.Combine("out.iso");

        var attack = await JumpstartAsync("iso", "build", "--from", from, "--output", image);
        var good = await JumpstartAsync("iso", "build", "--from", GoodDescription(), "--output", image);

        AssertRefused(attack, description.Expected);
        Assert.Equal(ExitCodes.Ok, good.ExitCode);
        Assert.Equal("i-good", MetadataDisc.Read(image).InstanceId);
    }

    /// <summary>Exit 65, one "jumpstart: bad data: ..." line naming the problem (so no stack trace), nothing on stdout, memory bounded.</summary>
    internal static void AssertRefused(MeasuredResult result, string expected)
    {
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.ExitCode == ExitCodes.DataError, $"exit {result.ExitCode}: {result.StandardError}");
        var line = Assert.Single(lines);
        Assert.StartsWith("jumpstart: bad data: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        Assert.True(result.PeakRssBytes < MaxPeakRssBytes, $"peak RSS {result.PeakRssBytes / 1048576} MB, bound {MaxPeakRssBytes / 1048576} MB");
    }

    private async Task<MeasuredResult> JumpstartAsync(params string[] arguments)
    {
        var result = await MeasuredRun.RunAsync(BuiltPrograms.Cli, arguments, s_bound);
        output.WriteLine($"jumpstart {string.Join(' ', arguments.Select(Path.GetFileName))}: exit {result.ExitCode}, peak RSS {result.PeakRssBytes / 1048576} MB; {result.StandardError.Trim()}");
        return result;
    }

    private string GoodDisc()
    {
        var path = _temp.Combine("good.iso");
        MetadataDisc.WriteFile(MetadataSamples.Full(), path);
        return path;
    }

    private string GoodDescription()
    {
        var path = _temp.Combine("good.yaml");
        File.WriteAllText(path, "instanceId: i-good\nhostname: good\ninterfaces:\n  - matchName: eth0\n    addresses: [10.0.0.5/24]\n");
        return path;
    }
}
