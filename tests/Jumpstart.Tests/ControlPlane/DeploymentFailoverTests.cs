using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Clones;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Deploy;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// Issue 20's first scenario: the leading manager dies while a cluster deployment is in flight. Four real hostd in
/// namespaces on one L2 segment (host-a the first manager, host-b made a manager by <c>cluster add-manager</c>, host-c and
/// host-d members that run the clones), a real three-member etcd in the switch's namespace, the CMS of both managers
/// following the cluster onto etcd (Cms:Store unset). Four clones of the test guest (TCG) are deployed through host-a;
/// once every clone is dispatched, before any has its role, host-a's hostd is SIGKILLed (its CMS dies with it). host-b
/// must lead within 10 s and finish the deployment: it fetches the bundle from a member that holds it (it was sent only
/// to the clones' hosts, as a deployment's own template is), the clones reach its CMS through their discs' alternates,
/// and the state is the one etcd holds, so there is still exactly one master and no instance gets two roles. The
/// operator follows it with <c>deployment wait</c> on host-c, started the moment host-a dies.
/// It runs in the serial guest-VM collection: its template booting beside ClusterDeployTests' (both under TCG on two
/// cores) starved both past the 180 s warm-up bound in a full run.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
[Collection(GuestVmsCollection.Name)]
public sealed class DeploymentFailoverTests(ITestOutputHelper output)
{
    private const string Bundle = "failover-template";
    private const string Id = "fo";
    private const int Count = 4;
    private const int CmsPort = 7070;

    /// <summary>The managers' lease TTL here (the default is 5 s), as in <see cref="ManagerFailoverTests"/>.</summary>
    private static readonly TimeSpan s_leaseTtl = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan s_guestBuildTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_templateTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_stepBound = TimeSpan.FromMinutes(3);

    [ToolFact("ip", "etcd", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task TheLeaderKilledDuringADeployment_TheOtherLeadsWithin10s_AndCompletesIt_WithOneMaster_AndOneRoleEach()
    {
        var steps = Stopwatch.StartNew();
        var guest = (await Requirements.RunToolAsync(
            BuiltPrograms.RepositoryFile("packaging/guest/build-test-guest"), ["--quiet"], new ProcessRunOptions { Timeout = s_guestBuildTimeout })).StandardOutput.Trim();
        await using var bed = await ClusterTestBed.StartAsync(
            4,
            new Dictionary<string, object> { ["MulticastInterface"] = ClusterSwitch.HostBridgeName },
            node =>
            {
                node.Section("Vm", new Dictionary<string, object> { ["Bridge"] = ClusterSwitch.HostBridgeName, ["Accelerator"] = "tcg" });
                if (node.Index < 2)
                {
                    // Both future managers run a CMS on the clones' segment; Cms:Store unset: it follows the cluster.
                    node.Section("Cms", new Dictionary<string, object>
                    {
                        ["Enabled"] = true,
                        ["Listen"] = CmsEndpoint(node),
                        ["DatabasePath"] = Path.Combine(node.StateDirectory, "cms", "cms.db"),
                        ["AdminTokenFile"] = AdminTokenFile(node),
                    });
                }
            },
            node => [$"{DeployClusterFixture.BridgeAddress(node.Index)}/24"]);
        using var etcd = await Leadership.StartEtcdAsync(bed, s_leaseTtl);
        Step("test guest, four hostd and a three-member etcd");
        var (a, b, c, d) = (bed.Nodes[0], bed.Nodes[1], bed.Nodes[2], bed.Nodes[3]);

        // The template boots on host-a (TCG, the longest step) while the cluster forms around it.
        var spec = a.Directory.Combine("template.json");
        await File.WriteAllTextAsync(spec, TemplateSpec.Json(guest, DeployClusterFixture.TemplateMac));
        var templating = a.RunAsync(
            BuiltPrograms.Cli,
            ["template", "create", Bundle, "--spec", spec, "--ready-marker", "JUMPSTART-GUESTD: ready", "--warm-up", "--json", "--socket", a.SocketPath],
            timeout: s_templateTimeout);

        // The cluster on etcd; host-b promoted while it runs: its CMS moves from SQLite to etcd by itself.
        await bed.InitAsync("--store", etcd.Store);
        await Leadership.WaitLeadingAsync(a, true, TimeSpan.FromSeconds(15));
        await Task.WhenAll(new[] { b, c, d }.Select(bed.JoinAsync));
        await Task.WhenAll(new[] { b, c, d }.Select(node => bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound)));
        await a.CliJsonAsync("cluster", "add-manager", "host-b");
        await Leadership.WaitFollowingAsync(b, TimeSpan.FromSeconds(30));

        // Every manager's CMS shares the cluster's etcd, and the leader knows where guests reach each (their heartbeats).
        await Poll.ForAsync(
            async _ => await a.CliJsonAsync("cluster", "status"),
            s => s.GetProperty("managers").EnumerateArray().Count(m => m.TryGetProperty("cms", out var cms) && cms.GetString() == CmsEndpoint(bed.Nodes[m.GetProperty("name").GetString() == "host-a" ? 0 : 1])) == 2,
            TimeSpan.FromSeconds(30),
            "host-a knowing both managers' CMS",
            s => s.ToString());
        Step("the cluster on etcd, host-b a manager, both CMS known (the template booting meanwhile)");

        // The bundle on the hosts the clones go to, as a deployment's own template would be: not on host-b, which must
        // fetch it from one of them when it resumes the deployment.
        var template = await templating;
        Assert.True(template.Succeeded, $"template create exited {template.ExitCode}: {template.StandardError}");
        var distributed = await a.CliAsync("bundle", "distribute", Bundle, "--hosts", "host-c,host-d");
        Assert.True(distributed.Succeeded, $"bundle distribute exited {distributed.ExitCode}: {distributed.StandardError}");
        Assert.False((await b.CliAsync("bundle", "verify", Bundle)).Succeeded, "host-b holds the bundle before the deployment");
        Step("the template made and its bundle on host-c and host-d");

        // Each clone spends a few seconds in its self script before it registers: the window to kill the leader in.
        var script = a.Directory.Combine("self-slow.sh");
        await File.WriteAllTextAsync(script, "sleep 5\nexit 0\n");
        var deploying = DeployClusterFixture.DeployFromAsync(a, Bundle, Id, Count, "--hosts", "host-c,host-d", "--self", script);
        await Poll.UntilAsync(
            async _ => (await DeployClusterFixture.PlacementsAsync(b, Id)).Count(p => p.State == PlacementStates.Running) == Count,
            s_stepBound,
            $"the {Count} clones of {Id} dispatched (as host-b reads the shared store)",
            TimeSpan.FromMilliseconds(200));
        Step($"the {Count} clones dispatched");
        var atKill = await CmsDeploymentAsync(b);
        var registeredAtKill = atKill.GetProperty("instances").EnumerateArray().Count(i => i.GetProperty("role").ValueKind == JsonValueKind.String);

        var clock = Stopwatch.StartNew();
        await a.KillHostdAsync();

        // The operator follows it from a member: 'deployment wait' asks through host-c's hostd, which fails over from
        // the dead manager to the new leader, and keeps asking while no manager answers.
        var waiting = c.CliAsync("deployment", "wait", Id, "--json", "--timeout", ((int)s_stepBound.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        await Leadership.WaitLeadingAsync(b, true, TimeSpan.FromSeconds(10));
        var takeOver = clock.Elapsed;

        var (lost, _) = await deploying;
        Assert.False(lost.Succeeded, "the deploy call whose manager was killed succeeded");
        Assert.Contains($"alternates {CmsEndpoint(b)}", lost.StandardError, StringComparison.Ordinal);
        Assert.Contains($"'jumpstart deployment wait {Id}' on any host", lost.StandardError, StringComparison.Ordinal);

        var waited = await waiting;
        Assert.True((await b.CliAsync("bundle", "verify", Bundle)).Succeeded, "host-b resumed the deployment without fetching its bundle");
        var completed = clock.Elapsed;
        output.WriteLine($"deployment wait on host-c: exit {waited.ExitCode}\n{waited.StandardError}");
        Assert.Equal(0, waited.ExitCode);
        using var waitedJson = JsonDocument.Parse(waited.StandardOutput);
        Assert.Equal(ClusterDeploymentStates.Complete, waitedJson.RootElement.GetProperty("state").GetString());
        var shown = await DeployClusterFixture.ShowAsync(b, Id);
        output.WriteLine($"leader host-a killed with {Count} clones dispatched ({registeredAtKill} registered) -> host-b leads after {takeOver.TotalSeconds:0.0} s (lease TTL {s_leaseTtl.TotalSeconds:0} s); {Id} complete after {completed.TotalSeconds:0.0} s");
        Assert.True(takeOver < TimeSpan.FromSeconds(10), $"host-b took {takeOver} to lead");
        Assert.True(registeredAtKill < Count, "every clone had its role before the leader was killed: nothing was in flight");
        Assert.Equal(ClusterDeploymentStates.Complete, shown.GetProperty("state").GetString());

        // The report of the run host-b finished: every instance ready on the member it was placed on.
        var instances = shown.GetProperty("report").GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(Count, instances.Count);
        Assert.All(instances, i => Assert.Equal(PlacementStates.Ready, i.GetProperty("state").GetString()));
        Assert.All(instances, i => Assert.Contains(i.GetProperty("host").GetString(), new[] { "host-c", "host-d" }));

        // The CMS's state, read through the surviving manager: one master, one role per instance, all ready.
        var cms = (await CmsDeploymentAsync(b)).GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(Count, cms.Count);
        Assert.All(cms, i => Assert.Equal("ready", i.GetProperty("phase").GetString()));
        Assert.Equal(1, cms.Count(i => i.GetProperty("role").GetString() == "master"));
        Assert.Equal(Count - 1, cms.Count(i => i.GetProperty("role").GetString() == "worker"));

        // Each guest applied one role, the one the CMS holds (a clone that met the dead CMS and then host-b's got the same).
        var roles = cms.ToDictionary(i => i.GetProperty("instanceId").GetString()!, i => i.GetProperty("role").GetString()!);
        var consoles = 0;
        foreach (var node in new[] { c, d })
        {
            foreach (var vm in await DeployClusterFixture.VmsAsync(node, Id))
            {
                var name = vm.GetProperty("name").GetString()!;
                var applied = File.ReadAllText(vm.GetProperty("serialLog").GetString()!).Split('\n')
                    .Select(ConsoleMarker.TryParse)
                    .Where(m => m is { Event: "configured" } && m.Fields.GetValueOrDefault("instance") == name)
                    .Select(m => m!["role"])
                    .Distinct()
                    .ToList();
                Assert.Equal([roles[name]], applied);
                consoles++;
            }
        }

        Assert.Equal(Count, consoles);
        var removed = await DeployClusterFixture.RemoveAsync(b, Id);
        Assert.Equal(Count, removed.GetProperty("hosts").EnumerateArray().Sum(h => h.GetProperty("stopped").GetArrayLength()));
        Step("the deployment finished by host-b, checked and removed");

        void Step(string what)
        {
            output.WriteLine($"{steps.Elapsed.TotalSeconds,6:0.0} s  {what}");
            steps.Restart();
        }
    }

    private static string CmsEndpoint(ClusterNode node) => $"{DeployClusterFixture.BridgeAddress(node.Index)}:{CmsPort}";

    private static string AdminTokenFile(ClusterNode node) => Path.Combine(node.StateDirectory, "cms", "admin.token");

    /// <summary>The CMS deployment as <paramref name="node"/>'s CMS answers it (<c>jumpstart deployment show</c> over TCP with its admin token).</summary>
    private static async Task<JsonElement> CmsDeploymentAsync(ClusterNode node)
    {
        var result = await node.RunAsync(BuiltPrograms.Cli, ["deployment", "show", Id, "--cms", CmsEndpoint(node), "--admin-token-file", AdminTokenFile(node), "--json"]);
        Assert.True(result.Succeeded, $"deployment show {Id} at {CmsEndpoint(node)} exited {result.ExitCode}: {result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }
}
