using System.Globalization;
using System.Text.Json;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// Shared by the end-to-end tests so the CI cost stays bounded: one host (namespace, bridge, hostd
/// with the CMS), the test guest built once (cached by content hash), and per memory format one
/// template, one state bundle and one 4-clone cluster, made on first use. Only one cluster runs at a
/// time (two formats' clusters at once would double the TCG load on two cores).
/// </summary>
public sealed class CloneClusterFixture : IAsyncLifetime
{
    public const int Clones = 4;

    /// <summary>The template's MAC: every clone's NIC starts with it; none may use it on the bridge after resume.</summary>
    public const string TemplateMac = "52:54:00:4a:53:01";

    /// <summary>Bound on one cluster deploy (template boot + suspend + 4 clones + roles under TCG).</summary>
    public static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(6);

    private static readonly TimeSpan s_pingBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_guestBuildTimeout = TimeSpan.FromMinutes(15);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, ClusterRun> _runs = new(StringComparer.Ordinal);
    private CloneHost? _host;
    private string? _liveFormat;

    /// <summary>The host, started on first use.</summary>
    public CloneHost Host => _host ?? throw new InvalidOperationException("call ClusterAsync first");

    /// <summary>The template's VM spec file (the test guest, 384 MiB, one NIC, an empty CDROM, vmgenid).</summary>
    public string SpecFile => Host.Directory.Combine("template.json");

    /// <summary>
    /// The cluster of <paramref name="memoryFormat"/> as recorded when it was deployed (deployed now,
    /// stopping the other format's clones, unless it already ran).
    /// </summary>
    public async Task<ClusterRun> ClusterAsync(string memoryFormat)
    {
        await _gate.WaitAsync();
        try
        {
            _host ??= await StartHostAsync();
            if (_runs.TryGetValue(memoryFormat, out var done))
            {
                return done;
            }

            await StopAllVmsAsync();
            var run = await DeployAsync(memoryFormat);
            _runs[memoryFormat] = run;
            _liveFormat = memoryFormat;
            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whichever cluster is running now (a stream one if none ran yet).</summary>
    public Task<ClusterRun> LiveClusterAsync() => ClusterAsync(_liveFormat ?? "stream");

    /// <summary>The bundle a format's deploy made (its name on the host).</summary>
    public string BundleOf(ClusterRun run) => run.Report.GetProperty("bundle").GetString()!;

    /// <summary><c>jumpstart vm list --json</c>.</summary>
    public async Task<IReadOnlyList<JsonElement>> VmsAsync() => [.. (await Host.CliJsonAsync("vm", "list")).EnumerateArray()];

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 ends class fixtures through IAsyncLifetime only (not IAsyncDisposable).
    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _gate.Dispose();
    }

    private static async Task<CloneHost> StartHostAsync()
    {
        var guest = (await Requirements.RunToolAsync(
            BuiltPrograms.RepositoryFile("packaging/guest/build-test-guest"),
            ["--quiet"],
            new Shared.Processes.ProcessRunOptions { Timeout = s_guestBuildTimeout })).StandardOutput.Trim();
        var host = await CloneHost.StartAsync(new Dictionary<string, object>
        {
            // TCG outright: this machine's nested KVM cannot boot the guest, and the probe would only cost time.
            ["Vm"] = new Dictionary<string, object> { ["Bridge"] = CloneNetwork.BridgeName, ["Accelerator"] = "tcg" },

            // Issue 5 on real clones: hostd captures each clone's tap and stores its flows tagged with the clone.
            ["Traffic"] = new Dictionary<string, object>
            {
                ["Enabled"] = true, ["CaptureVmTaps"] = true, ["PollSeconds"] = 0.5, ["IdleTimeoutSeconds"] = 2, ["DatabasePath"] = "flows.db",
            },
        });
        await File.WriteAllTextAsync(host.Directory.Combine("template.json"), TemplateSpec.Json(guest, TemplateMac));
        return host;
    }

    private async Task StopAllVmsAsync()
    {
        foreach (var vm in await VmsAsync())
        {
            await Host.CliAsync("vm", "stop", vm.GetProperty("name").GetString()!);
        }
    }

    private async Task<ClusterRun> DeployAsync(string memoryFormat)
    {
        var capture = await BridgeCapture.StartAsync(Host.Network, Host.Directory.Combine($"bridge-{memoryFormat}.pcap"));
        JsonElement report;
        IReadOnlyList<CapturedFrame> frames;
        var pinged = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using (capture)
        {
            report = await Host.CliJsonAsync(
                "deploy", "--spec", SpecFile, "--format", memoryFormat, "--count", Clones.ToString(CultureInfo.InvariantCulture),
                "--deployment", $"e2e-{memoryFormat}", "--admin-token-file", Host.AdminTokenFile,
                "--timeout", ((int)DeployTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            foreach (var instance in report.GetProperty("cms").GetProperty("instances").EnumerateArray())
            {
                var address = instance.GetProperty("addresses")[0].GetString()!.Split('/')[0];
                pinged[address] = await Host.Network.PingAsync(address, s_pingBound);
            }

            // Stopped only after every ping: the capture covers the whole time from before the first resume.
            frames = await capture.StopAsync();
        }

        var vms = await VmsAsync();
        return new ClusterRun
        {
            MemoryFormat = memoryFormat,
            Report = report,
            Frames = frames,
            Pinged = pinged,
            NeighbourMacs = await NeighboursAsync(),
            Consoles = vms.ToDictionary(v => v.GetProperty("name").GetString()!, v => ReadConsole(v)),
            VmGenIds = vms.Where(v => v.TryGetProperty("vmGenId", out var g) && g.ValueKind == JsonValueKind.String)
                .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("vmGenId").GetString()!),
        };
    }

    private static string ReadConsole(JsonElement vm)
        => vm.TryGetProperty("serialLog", out var log) && log.GetString() is { } path && File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    private async Task<Dictionary<string, string>> NeighboursAsync()
    {
        using var json = JsonDocument.Parse(await Host.Network.IpAsync("-j", "neigh", "show", "dev", CloneNetwork.BridgeName));
        return json.RootElement.EnumerateArray()
            .Where(n => n.TryGetProperty("lladdr", out _))
            .ToDictionary(n => n.GetProperty("dst").GetString()!, n => n.GetProperty("lladdr").GetString()!.ToLowerInvariant(), StringComparer.Ordinal);
    }
}
