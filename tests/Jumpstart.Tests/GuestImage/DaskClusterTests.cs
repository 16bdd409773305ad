using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Hostd.Bake;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Clones;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// A real distributed application on clones of a baked image: the Dask recipe (python3-distributed from Debian),
/// a warm template made by <c>jumpstart template create --image ... --append jumpstart.dask=warm</c> through a real
/// hostd (the application's processes loaded before the suspend, the paper's section 3.2), three clones deployed
/// under the CMS's master-workers policy. Only the role configuration tells the workers where the scheduler is; the
/// scheduler itself reports its two workers, a word count over the data set on the base image (each worker reads its
/// own disk) returns the counts the test computes from the recipe's files, and the application reports each clone's
/// identity: its own hostname, machine-id and SSH host key, none of them the template's or another clone's.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestImage)]
[Collection(GuestVmsCollection.Name)]
public sealed class DaskClusterTests(ITestOutputHelper output)
{
    private const string Recipe = "packaging/guest/recipes/dask.yaml";
    private const int Clones = 3;
    private const int Parts = 8;

    /// <summary>The warm process takes the role at once; a generous bound for a loaded machine under TCG.</summary>
    private static readonly TimeSpan s_jobBound = TimeSpan.FromMinutes(8);

    /// <summary>The kernel argument the recipe's dask-warm.service looks for.</summary>
    private const string WarmArgument = "jumpstart.dask=warm";

    /// <summary>The client (also the benchmark's), run in the host's namespace with the host's python3-distributed.</summary>
    private const string Client = "tests/bench/guest-image/dask-wordcount.py";

    /// <summary>Debian's interpreter, where python3-distributed is installed (a PATH python3 may be another one).</summary>
    private const string DebianPython = "/usr/bin/python3";

    [ToolFact("ip", "qemu-system-x86_64", "qemu-img", "mmdebstrap", "python3", NeedsRoot = true)]
    public async Task Deploy_ThreeClonesOfAWarmDaskTemplate_TheSchedulerSeesTwoWorkers_TheWordCountIsRight_AndEachCloneHasItsOwnIdentity()
    {
        var bake = await MinimalImage.BakeAsync(Recipe);
        output.WriteLine($"dask image: {(bake.CacheHit ? "cache hit" : $"baked in {bake.Manifest.BakeSeconds:F0} s")}, {bake.Manifest.ImageBytes >> 20} MiB qcow2");
        await using var host = await CloneHost.StartAsync(new Dictionary<string, object>
        {
            ["Vm"] = new Dictionary<string, object> { ["Bridge"] = CloneNetwork.BridgeName, ["Accelerator"] = "tcg" },
        });

        var clock = Stopwatch.StartNew();
        await host.CliJsonAsync("template", "create", "dask", "--image", bake.Directory, "--append", WarmArgument, "--warm-up");
        var template = clock.Elapsed;
        var report = await host.CliJsonAsync(
            "deploy", "--bundle", "dask", "--count", Clones.ToString(CultureInfo.InvariantCulture), "--policy", "master-workers",
            "--deployment", "dask", "--admin-token-file", host.AdminTokenFile, "--timeout", "600");
        var deployed = clock.Elapsed;
        var instances = report.GetProperty("cms").GetProperty("instances").EnumerateArray().ToList();
        var master = instances.Single(i => i.GetProperty("role").GetString() == "master");
        var scheduler = master.GetProperty("addresses")[0].GetString()!.Split('/')[0];
        output.WriteLine($"template {template.TotalSeconds:F0} s; request -> all roles {(deployed - template).TotalSeconds:F0} s; scheduler on {scheduler}");

        var script = BuiltPrograms.RepositoryFile(Client);
        var run = await ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            [.. host.Network.ExecPrefix, DebianPython, script, $"tcp://{scheduler}:8786", (Clones - 1).ToString(CultureInfo.InvariantCulture), Parts.ToString(CultureInfo.InvariantCulture)],
            new ProcessRunOptions { Timeout = s_jobBound });
        var done = clock.Elapsed;
        Assert.True(run.Succeeded, $"the Dask client failed (exit {run.ExitCode}{(run.TimedOut ? ", timed out" : "")}): {run.StandardError}");

        using var answer = JsonDocument.Parse(run.StandardOutput.Trim().Split('\n')[^1]);
        var result = answer.RootElement;
        output.WriteLine($"roles -> job done {(done - deployed).TotalSeconds:F0} s (the job itself {result.GetProperty("seconds").GetDouble():F1} s on {result.GetProperty("hosts").GetArrayLength()} workers); request -> job done {(done - template).TotalSeconds:F0} s");
        Assert.Equal(Clones - 1, result.GetProperty("workers").GetInt32());
        var hosts = result.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()!).ToList();
        Assert.All(hosts, h => Assert.Contains(instances, i => i.GetProperty("instanceId").GetString() == h && i.GetProperty("role").GetString() == "worker"));
        var counts = result.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        Assert.Equal(ExpectedCounts(), counts);

        // The scheduler and both workers run in the process the template loaded (dask-warm.service), each clone under
        // its own identity: hostname = instance id, a machine-id and an SSH host key of its own (the image has none,
        // guestd makes them per clone), and not the machine-id the template's first boot committed to its disk.
        var identities = result.GetProperty("identities").EnumerateArray()
            .Select(i => (Host: i.GetProperty("host").GetString()!, MachineId: i.GetProperty("machineId").GetString() ?? "", Ssh: i.GetProperty("sshEd25519").GetString() ?? "", Unit: i.GetProperty("unit").GetString() ?? ""))
            .ToList();
        foreach (var identity in identities)
        {
            output.WriteLine($"{identity.Host}: machine-id {identity.MachineId}, ssh-ed25519 {identity.Ssh}, unit {identity.Unit}");
        }

        Assert.Equal(Clones, identities.Count);
        Assert.Equal(instances.Select(i => i.GetProperty("instanceId").GetString()).Order(StringComparer.Ordinal), identities.Select(i => i.Host).Order(StringComparer.Ordinal));
        Assert.All(identities, i => Assert.Equal("dask-warm.service", i.Unit));
        Assert.All(identities, i => Assert.Matches("^[0-9a-f]{32}$", i.MachineId));
        Assert.All(identities, i => Assert.False(string.IsNullOrEmpty(i.Ssh), $"{i.Host} has no SSH host key"));
        Assert.Equal(Clones, identities.Select(i => i.MachineId).Distinct().Count());
        Assert.Equal(Clones, identities.Select(i => i.Ssh).Distinct().Count());
        var templateMachineId = await TemplateMachineIdAsync(host, "dask");
        output.WriteLine($"template machine-id: {templateMachineId ?? "(not committed to disk)"}");
        Assert.DoesNotContain(identities, i => i.MachineId == templateMachineId);
    }

    // The template's disk delta over the base image holds what its first boot wrote (systemd-machine-id-commit).
    private static async Task<string?> TemplateMachineIdAsync(CloneHost host, string bundle)
    {
        var verified = await new BundleStore(host.StateDirectory).VerifyAsync(bundle, CancellationToken.None);
        using var files = await ImageFiles.OpenAsync(verified.DiskPath(BakedImage.RootDiskId));
        return (await files.ReadAsync("/etc/machine-id"))?.Trim();
    }

    private static Dictionary<string, int> ExpectedCounts()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Parts; i++)
        {
            var path = BuiltPrograms.RepositoryFile($"packaging/guest/recipes/dask/corpus/part-{i:D2}.txt");
            foreach (var word in File.ReadAllText(path).Split((char[])[' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        return counts;
    }
}
