using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cms;

/// <summary>
/// Malformed deployment specs against the real <c>jumpstart deployment create</c> with a real CMS process: each is
/// refused with exit 65 and one line before the CMS is asked anything, and a good spec is created afterwards. Before
/// the fix the deep YAML overflowed the stack (exit 134) and a spec was read only after connecting.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileSpecCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [ToolFact("time")]
    public async Task DeploymentCreate_WithHostileSpecs_Exits65Each_BeforeContactingTheCms_ThenAGoodSpecIsCreated()
    {
        using var directory = new TempDirectory("hostile-spec");
        using var kill = new CancellationTokenSource();
        var (run, endPoint) = await CmsProcessTests.StartAsync(directory, kill.Token);
        string[] connection = ["--cms", endPoint.ToString(), "--admin-token-file", directory.Combine("admin.token")];
        var good = directory.Combine("good.yaml");
        await File.WriteAllTextAsync(good, "deploymentId: good\npolicy: {kind: all-same}\ninstances:\n  - {instanceId: a, token: token-a-0123456789}\n");

        foreach (var spec in HostileMetadata.Specs)
        {
            var path = directory.Combine(spec.FileName);
            await File.WriteAllTextAsync(path, spec.Text);
            var attack = await JumpstartAsync(["deployment", "create", "--spec", path, .. connection]);
            HostileMetadataCliTests.AssertRefused(attack, spec.Expected);
        }

        var untouched = await JumpstartAsync(["deployment", "list", "--json", .. connection]);
        var created = await JumpstartAsync(["deployment", "create", "--spec", good, .. connection]);
        await kill.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_bound));

        Assert.Equal("[]", untouched.StandardOutput.Trim());
        Assert.True(created.ExitCode == ExitCodes.Ok, created.StandardError);
        Assert.Contains("created deployment good", created.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_ReadsPlainScalarsAsStrings_AsSpecsAlwaysWere()
    {
        var spec = Hostd.Cms.DeploymentSpecFile.ParseYaml("deploymentId: 2024\npolicy: {kind: master-workers}\ninstances:\n  - {instanceId: 7, token: 12345678901234567, rank: 3}\n", "numbers.yaml");

        Assert.Equal("2024", spec.DeploymentId);
        Assert.Equal(("7", "12345678901234567", 3), (spec.Instances[0].InstanceId, spec.Instances[0].Token, spec.Instances[0].Rank));
        Assert.Equal(JsonSerializer.Serialize(new PolicySpec { Kind = "master-workers" }), JsonSerializer.Serialize(spec.Policy));
    }

    private async Task<MeasuredResult> JumpstartAsync(string[] arguments)
    {
        var result = await MeasuredRun.RunAsync(BuiltPrograms.Cli, arguments, s_bound);
        output.WriteLine($"jumpstart {string.Join(' ', arguments.Take(4).Select(Path.GetFileName))}: exit {result.ExitCode}, peak RSS {result.PeakRssBytes / 1048576} MB; {result.StandardError.Trim()}");
        return result;
    }
}
