using System.Text.Json;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// Issue 3 §7 end to end, on one host in a namespace the test makes: template -> state bundle -> 4
/// clones on a bridge, for both memory formats, through the real <c>jumpstart</c> CLI and
/// <c>jumpstart-hostd</c>, real QEMU (TCG here) and the real test guest with jumpstart-guestd inside.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Collection(GuestVmsCollection.Name)]
public sealed class CloneEndToEndTests(CloneClusterFixture cluster) : IClassFixture<CloneClusterFixture>
{
    private static readonly TimeSpan s_deathBound = TimeSpan.FromSeconds(20);

    [ToolTheory("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    [InlineData("stream")]
    [InlineData("mapped")]
    public async Task Deploy_FourClones_EachEndsWithItsOwnMacIpHostnameMachineIdAndVmGenId_AndAnswersPing(string format)
    {
        var run = await cluster.ClusterAsync(format);

        Assert.True(run.Report.GetProperty("complete").GetBoolean(), $"not every clone got its role: {run.Report}");
        Assert.Equal(CloneClusterFixture.Clones, run.Instances.Count());
        AssertDistinct("address", run.Addresses);
        AssertDistinct("hostname", run.Instances.Select(i => i.GetProperty("hostname").GetString()));
        Assert.All(run.Addresses, a => Assert.True(run.Pinged[a], $"{a} did not answer a ping from the host namespace"));

        // The MACs the clones answered with, as the host's neighbour table learned them.
        var macs = run.Addresses.Select(a => run.NeighbourMacs.GetValueOrDefault(a)).ToList();
        Assert.All(macs, m => Assert.False(string.IsNullOrEmpty(m) || m == CloneClusterFixture.TemplateMac, $"a clone answers with MAC '{m}'"));
        AssertDistinct("MAC", macs);

        AssertDistinct("vmgenid", run.VmGenIds.Values);
        Assert.Equal(CloneClusterFixture.Clones, run.VmGenIds.Count);

        // What each guest says on its console once guestd applied the identity and finished.
        var identities = run.Consoles.Values.Select(c => ConsoleMarker.Last(c, "identity")).ToList();
        var configured = run.Consoles.Values.Select(c => ConsoleMarker.Last(c, "configured")).ToList();
        AssertDistinct("kernel hostname", configured.Select(m => m["kernel-hostname"]));
        var machineIds = identities.Select(m => m["machine-id"]).ToList();
        Assert.All(machineIds, id => Assert.Matches("^[0-9a-f]{32}$", id));

        // Had guestd kept the template's machine-id, all four would share it.
        AssertDistinct("machine-id", machineIds);
    }

    [ToolTheory("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    [InlineData("stream")]
    [InlineData("mapped")]
    public async Task Deploy_FourClones_TheCmsGivesOneMasterAndThreeWorkersThatKnowTheMastersAddress(string format)
    {
        var run = await cluster.ClusterAsync(format);

        var roles = run.Instances.Select(i => i.GetProperty("role").GetString()).ToList();
        Assert.Equal(1, roles.Count(r => r == "master"));
        Assert.Equal(CloneClusterFixture.Clones - 1, roles.Count(r => r == "worker"));
        Assert.All(run.Instances, i => Assert.Equal("ready", i.GetProperty("phase").GetString()));

        // Each worker's role runs `ping ${MASTER_ADDRESS}` inside the guest and reports ready only if the
        // master answered, so "ready" already proves it; its console also says which master it was given.
        var master = run.Instances.Single(i => i.GetProperty("role").GetString() == "master");
        var masterAddress = master.GetProperty("addresses")[0].GetString()!.Split('/')[0];
        var workers = run.Instances.Where(i => i.GetProperty("role").GetString() == "worker").Select(i => i.GetProperty("instanceId").GetString()!).ToList();
        Assert.All(workers, w => Assert.Equal(masterAddress, ConsoleMarker.Last(run.Consoles[w], "configured")["master"]));
    }

    [ToolTheory("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    [InlineData("stream")]
    [InlineData("mapped")]
    public async Task Capture_OnTheBridge_FromBeforeTheResume_HasNoFrameFromTheTemplatesMac_ButFramesFromEveryClone(string format)
    {
        var run = await cluster.ClusterAsync(format);

        Assert.DoesNotContain(run.Frames, f => f.Source == CloneClusterFixture.TemplateMac);
        foreach (var address in run.Addresses)
        {
            var mac = run.NeighbourMacs[address];
            Assert.True(
                run.Frames.Any(f => f.Source == mac),
                $"no frame from {address} ({mac}) among {run.Frames.Count} frames from {string.Join(", ", run.Frames.GroupBy(f => f.Source).Select(g => $"{g.Key} x{g.Count()}"))}");
        }
    }

    [ToolFact("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    [Trait(Capabilities.Trait, Capabilities.Flows)]
    public async Task Hostd_CapturesEachClonesTap_AndStoresItsFlowsTaggedWithVmInstanceAndDeployment()
    {
        var run = await cluster.LiveClusterAsync();
        var database = Path.Combine(cluster.Host.StateDirectory, "flows.db");

        // Every clone answered the host's ping (from the bridge address); that ICMP flow ends 2 s after its last packet and is then stored.
        var expected = run.Instances.ToDictionary(i => i.GetProperty("instanceId").GetString()!, i => i.GetProperty("addresses")[0].GetString()!.Split('/')[0], StringComparer.Ordinal);
        var deployment = $"e2e-{run.MemoryFormat}";
        var pings = await Poll.ForAsync(
            () =>
            {
                using var store = FlowStore.Open(database, new FlowStoreOptions());
                return store.Query(new FlowQuery { Limit = 10_000 }).Where(r => r.Protocol == 1 && r.Client == CloneNetwork.BridgeAddress && r.Deployment == deployment).ToList();
            },
            stored => expected.All(e => stored.Any(p => p.InstanceId == e.Key)),
            TimeSpan.FromSeconds(60),
            "a stored ping flow of every clone",
            stored => $"flows of {string.Join(", ", stored.Select(p => p.InstanceId).Distinct())}",
            TimeSpan.FromMilliseconds(500));

        var vms = (await cluster.VmsAsync()).Select(v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        foreach (var (instance, address) in expected)
        {
            var flow = pings.FirstOrDefault(p => p.InstanceId == instance);
            Assert.True(flow is not null, $"no ICMP flow of {instance} ({address}) was stored; stored: {string.Join(", ", pings.Select(p => $"{p.InstanceId}:{p.Server}"))}");
            Assert.Equal(address, flow.Server);
            Assert.Contains(flow.Vm!, vms);
            Assert.True(flow.Features.Forward.Packets >= 1 && flow.Features.Backward.Packets >= 1, $"{instance}: the echo and its reply belong to one flow");
        }

        // One tap per clone: the host's ping to a clone is tagged with that clone, never with another
        // (the other memory format's clones, stopped before this cluster, reused the addresses under their own deployment).
        Assert.All(pings, p => Assert.Equal(expected[p.InstanceId!], p.Server));
    }

    [ToolFact("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task Deploy_FromACorruptedBundle_IsRefusedWithAClearError_AndStartsNothing()
    {
        // The memory-state part is read only by migrate-incoming, so running clones never notice the flip.
        var run = await cluster.LiveClusterAsync();
        var bundle = cluster.BundleOf(run);
        var state = StateFile(await BundlePathAsync(bundle));
        var before = await LiveVmNamesAsync();
        var original = await File.ReadAllBytesAsync(state);
        try
        {
            // One flipped byte in the middle of the memory state: the size still matches, only the checksum can tell.
            var corrupted = (byte[])original.Clone();
            corrupted[corrupted.Length / 2] ^= 0x5a;
            await File.WriteAllBytesAsync(state, corrupted);

            var refused = await cluster.Host.CliAsync(
                "deploy", "--bundle", bundle, "--count", "1", "--deployment", "e2e-corrupted", "--admin-token-file", cluster.Host.AdminTokenFile);

            Assert.Equal(Shared.Cli.ExitCodes.DataError, refused.ExitCode);
            Assert.Contains("SHA-256", refused.StandardError, StringComparison.Ordinal);
            Assert.Equal(before, await LiveVmNamesAsync());
            Assert.DoesNotContain((await cluster.VmsAsync()), v => v.GetProperty("name").GetString()!.StartsWith("e2e-corrupted", StringComparison.Ordinal));
        }
        finally
        {
            await File.WriteAllBytesAsync(state, original);
        }
    }

    [ToolFact("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task Deploy_WithASpecThatDoesNotMatchTheBundle_IsRefused_AndStartsNothing()
    {
        var run = await cluster.LiveClusterAsync();
        var before = await LiveVmNamesAsync();
        var guest = Path.GetDirectoryName(JsonDocument.Parse(await File.ReadAllTextAsync(cluster.SpecFile)).RootElement.GetProperty("kernel").GetString())!;
        var mismatched = cluster.Host.Directory.Combine("mismatched.json");
        await File.WriteAllTextAsync(mismatched, TemplateSpec.Json(guest, CloneClusterFixture.TemplateMac, memoryMiB: 512));

        var refused = await cluster.Host.CliAsync(
            "deploy", "--bundle", cluster.BundleOf(run), "--spec", mismatched, "--count", "1",
            "--deployment", "e2e-mismatch", "--admin-token-file", cluster.Host.AdminTokenFile);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("memory", refused.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await LiveVmNamesAsync());
    }

    [ToolFact("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task KillingOneClonesQemu_IsReportedAndLeavesTheOthersRunning()
    {
        await cluster.LiveClusterAsync();
        var clones = (await cluster.VmsAsync()).Where(IsLiveClone).ToList();
        Assert.True(clones.Count >= 2, "needs at least two running clones");
        var victim = clones[^1];
        var victimName = victim.GetProperty("name").GetString()!;

        Assert.Equal(0, Syscall.kill(victim.GetProperty("pid").GetInt32(), Signum.SIGKILL));

        var after = await Poll.ForAsync(
            _ => cluster.VmsAsync(),
            vms => vms.Single(v => v.GetProperty("name").GetString() == victimName).GetProperty("state").GetString() != "alive",
            s_deathBound,
            $"{victimName} no longer listed alive",
            interval: TimeSpan.FromMilliseconds(200));

        Assert.Equal("dead", after.Single(v => v.GetProperty("name").GetString() == victimName).GetProperty("state").GetString());
        foreach (var survivor in clones[..^1])
        {
            var now = after.Single(v => v.GetProperty("name").GetString() == survivor.GetProperty("name").GetString());
            Assert.True(IsLiveClone(now), $"{now} stopped running when another clone died");
            Assert.Equal(survivor.GetProperty("pid").GetInt32(), now.GetProperty("pid").GetInt32());
        }
    }

    [ToolFact("ip", "tcpdump", "ping", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task RestartingHostd_KeepsTheClonesRunning_AndListsThemAgain()
    {
        var run = await cluster.LiveClusterAsync();
        var before = (await cluster.VmsAsync()).Where(IsLiveClone).ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("pid").GetInt32());
        Assert.NotEmpty(before);

        await cluster.Host.StopHostdAsync();
        Assert.All(before.Values, pid => Assert.Equal(0, Syscall.kill(pid, 0)));
        await cluster.Host.StartHostdAsync();

        var after = (await cluster.VmsAsync()).Where(IsLiveClone).ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("pid").GetInt32());
        Assert.Equal(before, after);
        var reachable = run.Instances.Where(i => before.ContainsKey(i.GetProperty("instanceId").GetString()!))
            .Select(i => i.GetProperty("addresses")[0].GetString()!.Split('/')[0]);
        foreach (var address in reachable)
        {
            Assert.True(await cluster.Host.Network.PingAsync(address, TimeSpan.FromSeconds(15)), $"{address} stopped answering across the hostd restart");
        }
    }

    private static bool IsLiveClone(JsonElement vm)
        => vm.GetProperty("role").GetString() == "clone" && vm.GetProperty("state").GetString() == "alive";

    private async Task<List<string>> LiveVmNamesAsync()
        => [.. (await cluster.VmsAsync()).Where(v => v.GetProperty("state").GetString() == "alive").Select(v => v.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];

    private async Task<string> BundlePathAsync(string bundle)
    {
        var list = await cluster.Host.CliJsonAsync("template", "list");
        return list.EnumerateArray().Single(b => b.GetProperty("name").GetString() == bundle).GetProperty("path").GetString()!;
    }

    /// <summary>The bundle's memory-state part, as its manifest names it.</summary>
    private static string StateFile(string bundleDirectory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundleDirectory, "manifest.json")));
        var part = manifest.RootElement.GetProperty("parts").EnumerateArray().Single(p => p.GetProperty("role").GetString() == "state");
        return Path.Combine(bundleDirectory, part.GetProperty("file").GetString()!);
    }

    private static void AssertDistinct(string what, IEnumerable<string?> values)
    {
        var list = values.ToList();
        Assert.True(list.Distinct(StringComparer.Ordinal).Count() == list.Count, $"clones share a {what}: {string.Join(", ", list)}");
    }
}
