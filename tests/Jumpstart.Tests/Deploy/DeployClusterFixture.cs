using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Clones;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>
/// Three hosts in namespaces on one switch (host-a: the manager and the CMS), each a real hostd whose bridge holds its
/// uplink, so clones on different hosts share one L2 segment; the test guest's template suspended once on the manager
/// into <see cref="Bundle"/>. Made on first use and shared by the class: the deployments run one after another. The
/// manager keeps its state in SQLite here; a subclass puts the cluster on another store (<see cref="InitClusterAsync"/>).
/// </summary>
public class DeployClusterFixture : IAsyncLifetime
{
    /// <summary>The template's MAC (no clone may keep it).</summary>
    public const string TemplateMac = "52:54:00:4a:53:07";

    /// <summary>The state bundle every deployment resumes from.</summary>
    public const string Bundle = "cluster-template";

    /// <summary>Where the manager's CMS listens: its bridge address on the clones' subnet.</summary>
    public const string CmsEndpoint = "10.99.0.1:7070";

    /// <summary>Each host's NBD port for its peers.</summary>
    public const int NbdPort = 10809;

    /// <summary>Bound on one deployment under TCG with every host on two shared cores.</summary>
    public static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan s_guestBuildTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_templateTimeout = TimeSpan.FromMinutes(6);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClusterTestBed? _bed;
    private Exception? _failed;

    /// <summary>
    /// The three-host bed, every member up: a test starts from the whole cluster (a test before it may have taken a host
    /// down and started it again, and on a loaded machine its first heartbeats can come after the next plan).
    /// </summary>
    public async Task<ClusterTestBed> BedAsync()
    {
        ClusterTestBed bed;
        await _gate.WaitAsync();
        try
        {
            // A bed that failed to start (its template past the warm-up bound on a starved machine) fails every test
            // of the class at once, instead of each one booting the template again for minutes.
            if (_failed is not null)
            {
                throw new InvalidOperationException($"the cluster bed failed to start for an earlier test of this class: {_failed.Message}", _failed);
            }

            bed = _bed ??= await StartAsync();
        }
        catch (Exception ex) when (_failed is null)
        {
            _failed = ex;
            throw;
        }
        finally
        {
            _gate.Release();
        }

        foreach (var node in bed.Nodes.Skip(1))
        {
            await bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound);
        }

        return bed;
    }

    /// <summary>The template's VM spec (on the manager's directory; every host reads the same kernel and initramfs).</summary>
    public string SpecFile => _bed!.Manager.Directory.Combine("template.json");

    /// <summary>The clones' address of host <paramref name="index"/> on the shared segment (the manager's is also the CMS's).</summary>
    public static string BridgeAddress(int index) => string.Create(CultureInfo.InvariantCulture, $"10.99.0.{1 + index}");

    /// <summary>Runs <c>jumpstart deploy --cluster ... --json</c> on <paramref name="node"/>; the report and the exit code.</summary>
    public static Task<(ProcessResult Result, JsonElement? Report)> DeployAsync(ClusterNode node, string id, int count, params string[] extra)
        => DeployFromAsync(node, Bundle, id, count, extra);

    /// <summary>The same from another bundle.</summary>
    public static async Task<(ProcessResult Result, JsonElement? Report)> DeployFromAsync(ClusterNode node, string bundle, string id, int count, params string[] extra)
    {
        var result = await node.RunAsync(
            BuiltPrograms.Cli,
            [
                "deploy", "--cluster", "--deployment", id, "--count", count.ToString(CultureInfo.InvariantCulture), "--bundle", bundle,
                "--timeout", ((int)DeployTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "--json", "--socket", node.SocketPath, .. extra,
            ],
            timeout: DeployTimeout + TimeSpan.FromMinutes(1));
        JsonElement? report = null;
        if (result.StandardOutput.TrimStart().StartsWith('{'))
        {
            using var json = JsonDocument.Parse(result.StandardOutput);
            report = json.RootElement.Clone();
        }

        return (result, report);
    }

    /// <summary>The live VMs of <paramref name="node"/> (<c>vm list</c>) whose names start with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<JsonElement>> VmsAsync(ClusterNode node, string prefix)
        => [.. (await node.CliJsonAsync("vm", "list")).EnumerateArray()
            .Where(v => v.GetProperty("name").GetString()!.StartsWith(prefix + "-", StringComparison.Ordinal) && v.GetProperty("state").GetString() == "alive")];

    /// <summary><c>deployment show ID --cluster</c> at <paramref name="manager"/>; an undefined element while it cannot answer.</summary>
    public static async Task<JsonElement> ShowAsync(ClusterNode manager, string id)
    {
        var result = await manager.CliAsync("deployment", "show", id, "--cluster", "--json");
        if (!result.Succeeded)
        {
            return default;
        }

        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }

    /// <summary>The placements of cluster deployment <paramref name="id"/> as <paramref name="manager"/> shows them; none while it cannot.</summary>
    public static async Task<IReadOnlyList<(string Instance, string Host, string State)>> PlacementsAsync(ClusterNode manager, string id)
        => await ShowAsync(manager, id) is { ValueKind: JsonValueKind.Object } shown
            ? [.. shown.GetProperty("placements").EnumerateArray().Select(p => (p.GetProperty("instance").GetString()!, p.GetProperty("host").GetString()!, p.GetProperty("state").GetString()!))]
            : [];

    /// <summary>
    /// <c>deployment remove ID --json</c>, run again as its exit 75 asks ("a host was not reached: run this again") at most
    /// twice more: on a loaded machine a host just restarted by a test may miss the cluster's TLS handshake bound once.
    /// The answer is the last run's with each host's <c>stopped</c> and <c>imageRemoved</c> of every run (what an earlier
    /// run stopped, the next no longer finds).
    /// </summary>
    public static async Task<JsonElement> RemoveAsync(ClusterNode node, string id)
    {
        var attempts = new List<string>();
        var stopped = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var result = await node.CliAsync("deployment", "remove", id, "--json");
            var answer = result.StandardOutput.TrimStart().StartsWith('{') ? System.Text.Json.Nodes.JsonNode.Parse(result.StandardOutput)!.AsObject() : null;
            foreach (var host in answer?["hosts"]?.AsArray().Select(h => h!.AsObject()) ?? [])
            {
                var name = host["host"]!.GetValue<string>();
                stopped.TryAdd(name, []);
                stopped[name].AddRange(host["stopped"]?.AsArray().Select(v => v!.GetValue<string>()) ?? []);
                if (host["imageRemoved"]?.GetValue<string>() is { } image)
                {
                    images[name] = image;
                }
            }

            if (result.ExitCode == 0 && answer is not null)
            {
                foreach (var host in answer["hosts"]!.AsArray().Select(h => h!.AsObject()))
                {
                    var name = host["host"]!.GetValue<string>();
                    host["stopped"] = new System.Text.Json.Nodes.JsonArray([.. stopped[name].Select(v => (System.Text.Json.Nodes.JsonNode?)v)]);
                    host["imageRemoved"] = images.GetValueOrDefault(name);
                }

                return JsonSerializer.SerializeToElement(answer);
            }

            attempts.Add($"attempt {attempt} exited {result.ExitCode}: {result.StandardOutput}\n{result.StandardError}");
            if (result.ExitCode != 75 || attempt == 3)
            {
                throw new InvalidOperationException($"{node.Name}: jumpstart deployment remove {id} failed; {string.Join("\n", attempts)}");
            }
        }
    }

    /// <summary>
    /// The state a deployment is left in by a manager killed in its middle and started again (test F): on SQLite the
    /// restarted manager marks it interrupted, keeping its placements.
    /// </summary>
    public virtual string StateAfterManagerRestart => ClusterDeploymentStates.Interrupted;

    /// <summary>
    /// Checks that the CMS's state of deployment <paramref name="id"/>, <paramref name="count"/> instances with their
    /// roles, is where this bed's store keeps it. Nothing to look at beyond the roles the test sees on SQLite (the CMS's
    /// own database).
    /// </summary>
    public virtual Task AssertCmsHoldsAsync(ClusterTestBed bed, string id, int count) => Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }

        _gate.Dispose();
        await DisposeStoreAsync();
    }

    /// <summary><c>jumpstart cluster init</c> on the manager (host-a), every hostd up: on SQLite, the default store.</summary>
    protected virtual async Task InitClusterAsync(ClusterTestBed bed) => await bed.InitAsync();

    /// <summary>Stops what <see cref="InitClusterAsync"/> started beside the hosts (after them: nothing here).</summary>
    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    private async Task<ClusterTestBed> StartAsync()
    {
        var guest = (await Requirements.RunToolAsync(
            BuiltPrograms.RepositoryFile("packaging/guest/build-test-guest"),
            ["--quiet"],
            new ProcessRunOptions { Timeout = s_guestBuildTimeout })).StandardOutput.Trim();
        var bed = await ClusterTestBed.StartAsync(
            3,
            new Dictionary<string, object> { ["MulticastInterface"] = ClusterSwitch.HostBridgeName },
            node =>
            {
                node.Section("Vm", new Dictionary<string, object> { ["Bridge"] = ClusterSwitch.HostBridgeName, ["Accelerator"] = "tcg" });

                // Peers copy and read base images over NBD on the cluster's network.
                node.Section("Images", new Dictionary<string, object> { ["Listen"] = $"{node.Address}:{NbdPort}" });
                if (node.Index == 0)
                {
                    node.Section("Cms", new Dictionary<string, object>
                    {
                        ["Enabled"] = true,
                        ["Listen"] = CmsEndpoint,
                        ["DatabasePath"] = Path.Combine(node.StateDirectory, "cms", "cms.db"),
                        ["AdminTokenFile"] = Path.Combine(node.StateDirectory, "cms", "admin.token"),
                    });
                }
            },
            node => [$"{BridgeAddress(node.Index)}/24"]);
        try
        {
            await InitClusterAsync(bed);
            foreach (var node in bed.Nodes.Skip(1))
            {
                await bed.JoinAsync(node);
            }

            foreach (var node in bed.Nodes)
            {
                await bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound);
            }

            var spec = bed.Manager.Directory.Combine("template.json");
            await File.WriteAllTextAsync(spec, TemplateSpec.Json(guest, TemplateMac));
            var template = await bed.Manager.RunAsync(
                BuiltPrograms.Cli,
                ["template", "create", Bundle, "--spec", spec, "--ready-marker", "JUMPSTART-GUESTD: ready", "--warm-up", "--json", "--socket", bed.Manager.SocketPath],
                timeout: s_templateTimeout);
            Assert.True(template.Succeeded, $"template create exited {template.ExitCode}: {template.StandardError}");
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }
}
