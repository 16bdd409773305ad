using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>
/// Issue 15 sections 1, 2 and 5: <c>jumpstart deploy --cluster</c> over three real hostds in namespaces, clones of the
/// test guest under TCG on one shared L2 segment, the CMS on the manager; and the faults: a host dying during the
/// distribution, a host down when planning, a clone whose self script fails, the master's host dying while the
/// clones configure, the manager restarted mid-deployment. The tests run in name order: the first finds no member
/// holding the bundle yet. They run on each store of the manager, one subclass each with its fixture:
/// <see cref="ClusterDeployTests"/> (SQLite) and ControlPlane/ClusterDeployOnEtcdTests (issue 20: "the same deployment
/// scenarios as the single-manager tests pass on this backend").
/// </summary>
public abstract class ClusterDeployScenarios(DeployClusterFixture fixture)
{
    private static readonly TimeSpan s_pingBound = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_stepBound = TimeSpan.FromMinutes(3);

    [ToolFact("ip", "tc", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task A_AHostThatDiesWhileTheBundleReachesIt_HasItsInstancesPlacedOnTheOthers_AndTheDeploymentCompletes()
    {
        var bed = await fixture.BedAsync();
        var victim = bed.Nodes[2];

        // The bundle reaches host-c slowly (tbf on its switch port), so it dies in the middle of the transfer.
        await SwitchTcAsync(bed, "add", victim.Index, "rate", "40mbit", "burst", "64kb", "latency", "400ms");
        try
        {
            var deploying = DeployClusterFixture.DeployAsync(bed.Manager, "da", 3, "--transport", "unicast", "--placement", "spread");
            await Poll.UntilAsync(async _ => (await DeployClusterFixture.PlacementsAsync(bed.Manager, "da")).Any(p => p.Host == victim.Name), s_stepBound, "host-c getting an instance of da", TimeSpan.FromMilliseconds(200));
            await Task.Delay(TimeSpan.FromSeconds(3));
            await victim.DieAsync();

            var (result, report) = await deploying;
            Assert.True(result.Succeeded, $"deploy exited {result.ExitCode}: {result.StandardError}");
            var instances = Instances(report!.Value);
            Assert.Equal(3, instances.Count);
            Assert.All(instances, i => Assert.Equal(PlacementStates.Ready, i.GetProperty("state").GetString()));
            Assert.DoesNotContain(instances, i => i.GetProperty("host").GetString() == victim.Name);
            Assert.Contains(instances, i => i.GetProperty("movedFrom").EnumerateArray().Any(h => h.GetString() == victim.Name));
            var share = report.Value.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("host").GetString() == victim.Name);
            Assert.False(string.IsNullOrEmpty(share.GetProperty("error").GetString()), "the dead host's share does not say why it left");
        }
        finally
        {
            await SwitchTcAsync(bed, "del", victim.Index);
            await victim.StartHostdAsync();
            await bed.WaitForStateAsync(victim, "up", ClusterTestBed.UpBound);
        }

        await DeployClusterFixture.RemoveAsync(bed.Manager, "da");
        await AssertNothingLeftAsync(bed, "da");
    }

    [ToolFact("ip", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task B_SixClonesOverThreeHosts_EachItsOwnIdentity_OneMaster_WorkersReachItAcrossHosts_AndRemovalLeavesNothing()
    {
        var bed = await fixture.BedAsync();

        // Run from a member: the call goes to the manager, and its report comes back whole.
        var (result, report) = await DeployClusterFixture.DeployAsync(bed.Nodes[1], "db", 6);

        Assert.True(result.Succeeded, $"deploy exited {result.ExitCode}: {result.StandardError}");
        var json = report!.Value;
        Assert.Equal(ClusterDeploymentStates.Complete, json.GetProperty("state").GetString());
        var instances = Instances(json);
        Assert.Equal(6, instances.Count);
        Assert.All(bed.Nodes, n => Assert.Equal(2, instances.Count(i => i.GetProperty("host").GetString() == n.Name)));
        AssertDistinct("address", instances.Select(i => i.GetProperty("address").GetString()));
        AssertDistinct("MAC", instances.Select(i => i.GetProperty("mac").GetString()));
        Assert.DoesNotContain(instances, i => i.GetProperty("mac").GetString() == DeployClusterFixture.TemplateMac);
        Assert.Equal(1, instances.Count(i => i.GetProperty("role").GetString() == "master"));
        Assert.Equal(5, instances.Count(i => i.GetProperty("role").GetString() == "worker"));

        // Each VM on the host the report names, with its own hostname and machine-id on its console.
        var consoles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in bed.Nodes)
        {
            foreach (var vm in await DeployClusterFixture.VmsAsync(node, "db"))
            {
                var name = vm.GetProperty("name").GetString()!;
                Assert.Equal(node.Name, instances.Single(i => i.GetProperty("instanceId").GetString() == name).GetProperty("host").GetString());
                consoles[name] = File.ReadAllText(vm.GetProperty("serialLog").GetString()!);
            }
        }

        Assert.Equal(6, consoles.Count);
        var identities = consoles.Values.Select(c => ConsoleMarker.Last(c, "identity")).ToList();
        var configured = consoles.Values.Select(c => ConsoleMarker.Last(c, "configured")).ToList();
        AssertDistinct("hostname", configured.Select(m => m["kernel-hostname"]));
        Assert.All(identities, m => Assert.Matches("^[0-9a-f]{32}$", m["machine-id"]));
        AssertDistinct("machine-id", identities.Select(m => m["machine-id"]));

        // Every worker reached its master: its role pinged it (ready), its console names it, and the master answers
        // from the hosts that do not run it.
        var master = instances.Single(i => i.GetProperty("role").GetString() == "master");
        var masterAddress = master.GetProperty("address").GetString()!.Split('/')[0];
        foreach (var worker in instances.Where(i => i.GetProperty("role").GetString() == "worker"))
        {
            Assert.Equal(masterAddress, ConsoleMarker.Last(consoles[worker.GetProperty("instanceId").GetString()!], "configured")["master"]);
        }

        foreach (var node in bed.Nodes.Where(n => n.Name != master.GetProperty("host").GetString()))
        {
            Assert.True(await PingAsync(node, masterAddress), $"the master {masterAddress} does not answer from {node.Name}");
        }

        // The breakdown: every stage measured for all six, per host and overall.
        var stages = json.GetProperty("breakdown").GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["state distribution", "bundle verify/copy", "resume", "guest configuration", "CMS role", "total"], stages.Select(s => s.GetProperty("stage").GetString()));
        Assert.All(stages, s => Assert.Equal(6, s.GetProperty("clones").GetInt32()));
        Assert.All(json.GetProperty("hosts").EnumerateArray(), h => Assert.Equal(2, h.GetProperty("breakdown").GetProperty("clones").GetInt32()));
        Assert.True(json.GetProperty("allRolesSeconds").GetDouble() >= json.GetProperty("allRunningSeconds").GetDouble());

        // The CMS's state where the manager's store keeps it (on etcd: under the cluster's prefix).
        await fixture.AssertCmsHoldsAsync(bed, "db", 6);

        // The manager keeps the record and the report.
        var shown = await bed.Manager.CliJsonAsync("deployment", "show", "db", "--cluster");
        Assert.Equal(ClusterDeploymentStates.Complete, shown.GetProperty("state").GetString());
        Assert.Equal(6, shown.GetProperty("placements").GetArrayLength());

        // A removal that cannot reach host-c stops the rest and keeps the record (exit 75); run again once host-c is back
        // (its hostd adopts its VMs), it finishes: the waiting list the first run deleted is no reason to fail.
        var cut = bed.Nodes[2];
        await cut.StopHostdAsync();
        var partial = await bed.Nodes[1].CliAsync("deployment", "remove", "db", "--json");
        await cut.StartHostdAsync();
        Assert.True(partial.ExitCode == 75, $"deployment remove with host-c stopped exited {partial.ExitCode}: {partial.StandardOutput}\n{partial.StandardError}");
        using var first = JsonDocument.Parse(partial.StandardOutput);
        Assert.Equal(4, first.RootElement.GetProperty("hosts").EnumerateArray().Sum(h => h.GetProperty("stopped").GetArrayLength()));
        Assert.Contains(first.RootElement.GetProperty("hosts").EnumerateArray(), h => h.GetProperty("host").GetString() == cut.Name && h.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String);
        await bed.WaitForStateAsync(cut, "up", ClusterTestBed.UpBound);
        var removed = await DeployClusterFixture.RemoveAsync(bed.Nodes[1], "db");
        Assert.Equal([cut.Name, cut.Name], removed.GetProperty("hosts").EnumerateArray().SelectMany(h => h.GetProperty("stopped").EnumerateArray().Select(_ => h.GetProperty("host").GetString())));
        await AssertNothingLeftAsync(bed, "db");
    }

    [ToolFact("ip", "qemu-system-x86_64", NeedsRoot = true)]
    public async Task C_ADeploymentTheClusterCannotHold_IsRefusedBeforeAnythingStarts_NamingWhatIsMissing()
    {
        var bed = await fixture.BedAsync();

        var (result, _) = await DeployClusterFixture.DeployAsync(bed.Manager, "dc", ClusterDeployRequest.MaxCount, "--first-address", "10.99.0.10/16");

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("cannot hold 512 VMs", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("room for", result.StandardError, StringComparison.Ordinal);
        foreach (var node in bed.Nodes)
        {
            Assert.Empty(await DeployClusterFixture.VmsAsync(node, "dc"));
        }

        var list = await bed.Manager.CliJsonAsync("deployment", "list", "--cluster");
        Assert.DoesNotContain(list.EnumerateArray(), d => d.GetProperty("deploymentId").GetString() == "dc");
    }

    [ToolFact("ip", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task D_AHostDownWhenPlanning_GetsNothing_AndAFailingSelfScriptIsReportedWithItsOutput_WhileTheOthersGoOn()
    {
        var bed = await fixture.BedAsync();
        var down = bed.Nodes[2];
        await down.StopHostdAsync();
        await bed.WaitForStateAsync(down, "down", ClusterTestBed.DownBound);
        var script = Path.Combine(bed.Manager.Directory.Path, "self-fails.sh");
        await File.WriteAllTextAsync(script, "if [ \"$JUMPSTART_INSTANCE_ID\" = dd-2 ]; then echo \"self says no for $JUMPSTART_INSTANCE_ID\"; exit 1; fi\nexit 0\n");
        try
        {
            var (result, report) = await DeployClusterFixture.DeployAsync(bed.Manager, "dd", 3, "--self", script);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("dd-2", result.StandardError, StringComparison.Ordinal);
            var instances = Instances(report!.Value);
            Assert.DoesNotContain(instances, i => i.GetProperty("host").GetString() == down.Name);
            var failed = instances.Single(i => i.GetProperty("instanceId").GetString() == "dd-2");
            Assert.Equal(PlacementStates.Failed, failed.GetProperty("state").GetString());
            Assert.Contains("self says no for dd-2", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.All(instances.Where(i => i.GetProperty("instanceId").GetString() != "dd-2"), i => Assert.Equal(PlacementStates.Ready, i.GetProperty("state").GetString()));
            Assert.Equal(["dd-2"], report.Value.GetProperty("failed").EnumerateArray().Select(f => f.GetString()));
        }
        finally
        {
            await down.StartHostdAsync();
            await bed.WaitForStateAsync(down, "up", ClusterTestBed.UpBound);
        }

        await DeployClusterFixture.RemoveAsync(bed.Manager, "dd");
        await AssertNothingLeftAsync(bed, "dd");
    }

    [ToolFact("ip", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task E_WhenTheMastersHostDiesWhileTheClonesConfigure_TheMasterRunsAgainElsewhere_AndEveryWorkerReachesIt()
    {
        var bed = await fixture.BedAsync();

        // The master (instance 1) takes a while in its self script, so its host dies before it has its role.
        var script = Path.Combine(bed.Manager.Directory.Path, "self-slow-master.sh");
        await File.WriteAllTextAsync(script, "if [ \"$JUMPSTART_INSTANCE_ID\" = de-1 ]; then sleep 15; fi\nexit 0\n");
        var deploying = DeployClusterFixture.DeployAsync(bed.Manager, "de", 4, "--hosts", "host-b,host-c", "--self", script);
        var placements = await Poll.ForAsync(
            async _ => await DeployClusterFixture.PlacementsAsync(bed.Manager, "de"),
            p => p.Any(x => x.Instance == "de-1" && x.State == PlacementStates.Running),
            s_stepBound,
            "de-1 running",
            p => string.Join(", ", p),
            TimeSpan.FromMilliseconds(200));
        var masterHost = placements.Single(p => p.Instance == "de-1").Host;
        var victim = bed.Nodes.Single(n => n.Name == masterHost);
        await victim.DieAsync();
        try
        {
            var (result, report) = await deploying;

            Assert.True(result.Succeeded, $"deploy exited {result.ExitCode}: {result.StandardError}");
            var instances = Instances(report!.Value);
            var master = instances.Single(i => i.GetProperty("instanceId").GetString() == "de-1");
            Assert.Equal("master", master.GetProperty("role").GetString());
            Assert.NotEqual(masterHost, master.GetProperty("host").GetString());
            Assert.Contains(masterHost, master.GetProperty("movedFrom").EnumerateArray().Select(h => h.GetString()));
            Assert.All(instances, i => Assert.Equal(PlacementStates.Ready, i.GetProperty("state").GetString()));
            Assert.DoesNotContain(instances, i => i.GetProperty("host").GetString() == masterHost);
            Assert.True(await PingAsync(bed.Manager, master.GetProperty("address").GetString()!.Split('/')[0]), "the master does not answer where it runs now");
        }
        finally
        {
            await victim.StartHostdAsync();
            await bed.WaitForStateAsync(victim, "up", ClusterTestBed.UpBound);
        }

        await DeployClusterFixture.RemoveAsync(bed.Manager, "de");
        await AssertNothingLeftAsync(bed, "de");
    }

    [ToolFact("ip", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task F_AManagerRestartedInTheMiddle_ReportsTheDeploymentInterrupted_WithItsPlacements_AndRemovalStillWorks()
    {
        var bed = await fixture.BedAsync();
        var script = Path.Combine(bed.Manager.Directory.Path, "self-slow.sh");
        await File.WriteAllTextAsync(script, "sleep 30\nexit 0\n");
        var deploying = DeployClusterFixture.DeployAsync(bed.Nodes[1], "df", 3, "--self", script);
        var running = await Poll.ForAsync(
            async _ => await DeployClusterFixture.PlacementsAsync(bed.Manager, "df"),
            p => p.Count(x => x.State == PlacementStates.Running) == 3,
            s_stepBound,
            "df's three clones running",
            p => string.Join(", ", p),
            TimeSpan.FromMilliseconds(200));

        await bed.Manager.KillHostdAsync();
        var (result, _) = await deploying;
        Assert.Equal(69, result.ExitCode);
        await bed.Manager.StartHostdAsync();

        // SQLite: the restarted manager marks df interrupted as it starts. etcd: it leads again and resumes df from the
        // store (the clones are still running), so the same record ends complete (fixture.StateAfterManagerRestart).
        var shown = await Poll.ForAsync(
            async _ => await DeployClusterFixture.ShowAsync(bed.Manager, "df"),
            s => s.ValueKind == JsonValueKind.Object && s.GetProperty("state").GetString() != ClusterDeploymentStates.Deploying,
            s_stepBound,
            "df no longer deploying at the restarted manager",
            s => s.ToString(),
            TimeSpan.FromMilliseconds(250));
        Assert.Equal(fixture.StateAfterManagerRestart, shown.GetProperty("state").GetString());
        Assert.Equal(["df-1", "df-2", "df-3"], shown.GetProperty("placements").EnumerateArray().Select(p => p.GetProperty("instance").GetString()));

        // Each instance is where it ran when the manager died (a resumed run starts no clone alive on its host again).
        Assert.Equal(
            running.Select(p => (p.Instance, p.Host)).Order(),
            shown.GetProperty("placements").EnumerateArray().Select(p => (p.GetProperty("instance").GetString()!, p.GetProperty("host").GetString()!)).Order());

        foreach (var node in bed.Nodes.Skip(1))
        {
            await bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound);
        }

        var removed = await DeployClusterFixture.RemoveAsync(bed.Manager, "df");
        Assert.Equal(3, removed.GetProperty("hosts").EnumerateArray().Sum(h => h.GetProperty("stopped").GetArrayLength()));
        await AssertNothingLeftAsync(bed, "df");
    }

    [ToolFact("ip", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task G_ClonesOfATemplateOnAServedImage_GetItByTheScheme_AndRemovingTheDeploymentRemovesTheImagesItMade()
    {
        var bed = await fixture.BedAsync();
        var raw = bed.Manager.Directory.Combine("gbase.raw");
        await Requirements.RunToolAsync("qemu-img", ["create", "-q", "-f", "raw", raw, "8M"]);
        await bed.Manager.CliJsonAsync("image", "add", "gbase", "--file", raw);
        var spec = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(fixture.SpecFile))!.AsObject();
        spec["disks"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["id"] = "root", ["pciSlot"] = 5 });
        var specFile = bed.Manager.Directory.Combine("template-disk.json");
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());
        var template = await bed.Manager.RunAsync(
            BuiltPrograms.Cli,
            ["template", "create", "cluster-disk", "--spec", specFile, "--base", "root=image:gbase", "--ready-marker", "JUMPSTART-GUESTD: ready", "--warm-up", "--json", "--socket", bed.Manager.SocketPath],
            timeout: TimeSpan.FromMinutes(6));
        Assert.True(template.Succeeded, $"template create exited {template.ExitCode}: {template.StandardError}");

        // Spread puts one clone on each host that is up when the plan is made: the plan below (a copy on one member, an
        // upstream pseudo image on the other) needs all three (the template's TCG boot can cost a heartbeat on a loaded machine).
        foreach (var node in bed.Nodes.Skip(1))
        {
            await bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound);
        }

        var (result, report) = await DeployClusterFixture.DeployFromAsync(bed.Manager, "cluster-disk", "dg", 3, "--images", "copies:2");

        Assert.True(result.Succeeded, $"deploy exited {result.ExitCode}: {result.StandardError}");
        var images = report!.Value.GetProperty("images");
        Assert.Equal("copies:2", images.GetProperty("scheme").GetString());
        Assert.Equal("gbase", images.GetProperty("image").GetString());
        var made = images.GetProperty("hosts").EnumerateArray().Where(h => h.GetProperty("made").GetBoolean()).Select(h => h.GetProperty("host").GetString()!).ToList();
        var kinds = images.GetProperty("hosts").EnumerateArray().Where(h => h.GetProperty("made").GetBoolean()).Select(h => h.GetProperty("kind").GetString()).Order().ToList();
        Assert.True(kinds.SequenceEqual(["copy", "upstream"]), $"made {string.Join(", ", kinds)}, not a copy and an upstream pseudo image; the images part of the report: {images}");
        Assert.Equal(2, made.Count);
        foreach (var node in bed.Nodes)
        {
            Assert.Contains(await ImagesOfAsync(node), name => name == "gbase");
        }

        var removed = await DeployClusterFixture.RemoveAsync(bed.Manager, "dg");

        Assert.Equal(made.Order(), removed.GetProperty("hosts").EnumerateArray().Where(h => h.TryGetProperty("imageRemoved", out var i) && i.GetString() == "gbase").Select(h => h.GetProperty("host").GetString()).Order());
        foreach (var node in bed.Nodes)
        {
            Assert.Equal(node == bed.Manager, (await ImagesOfAsync(node)).Contains("gbase"));
        }

        await AssertNothingLeftAsync(bed, "dg");
    }

    private static async Task<IReadOnlyList<string>> ImagesOfAsync(ClusterNode node)
        => [.. (await node.CliJsonAsync("image", "list")).EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];

    /// <summary>No VM of the deployment on any host, no tap left in any host's namespace, no record on the manager.</summary>
    private static async Task AssertNothingLeftAsync(ClusterTestBed bed, string id)
    {
        foreach (var node in bed.Nodes)
        {
            Assert.Empty(await DeployClusterFixture.VmsAsync(node, id));
            var links = await node.RunAsync("ip", ["-o", "link", "show", "type", "tun"]);
            Assert.True(string.IsNullOrWhiteSpace(links.StandardOutput), $"{node.Name} still has taps: {links.StandardOutput}");
            var disks = System.IO.Directory.Exists(node.StateDirectory)
                ? System.IO.Directory.EnumerateFileSystemEntries(node.StateDirectory, id + "-*", SearchOption.AllDirectories).Where(p => !p.Contains("template", StringComparison.Ordinal)).ToList()
                : [];
            Assert.True(disks.Count == 0, $"{node.Name} keeps files of {id}: {string.Join(", ", disks)}");
        }

        var list = await bed.Manager.CliJsonAsync("deployment", "list", "--cluster");
        Assert.DoesNotContain(list.EnumerateArray(), d => d.GetProperty("deploymentId").GetString() == id);
    }

    private static List<JsonElement> Instances(JsonElement report) => [.. report.GetProperty("instances").EnumerateArray()];

    private static async Task<bool> PingAsync(ClusterNode node, string address)
    {
        var deadline = DateTimeOffset.UtcNow + s_pingBound;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if ((await node.RunAsync("ping", ["-n", "-c", "1", "-W", "2", address], timeout: TimeSpan.FromSeconds(5))).Succeeded)
            {
                return true;
            }
        }

        return false;
    }

    private static Task SwitchTcAsync(ClusterTestBed bed, string verb, int port, params string[] parameters)
        => Requirements.RunToolAsync("ip", ["netns", "exec", bed.Switch.Namespace, "tc", "qdisc", verb, "dev", $"port{port}", "root", .. (verb == "del" ? Array.Empty<string>() : ["tbf", .. parameters])]);

    private static void AssertDistinct(string what, IEnumerable<string?> values)
    {
        var list = values.ToList();
        Assert.True(list.Distinct(StringComparer.Ordinal).Count() == list.Count, $"clones share a {what}: {string.Join(", ", list)}");
    }
}
