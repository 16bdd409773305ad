using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Mono.Unix.Native;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// One Jumpstart host for the end-to-end tests: a <see cref="CloneNetwork"/> namespace, a real
/// <c>jumpstart-hostd</c> running inside it (temp state and runtime directories, its control socket,
/// the CMS enabled on the bridge address), and the <c>jumpstart</c> CLI pointed at its socket.
/// Disposing kills every QEMU this host started (found by their pidfiles under its directories),
/// hostd, and the namespace, even after a failure.
/// </summary>
public sealed class CloneHost : IAsyncDisposable
{
    /// <summary>The port the CMS listens on at <see cref="CloneNetwork.BridgeAddress"/>.</summary>
    public const int CmsPort = 7070;

    /// <summary>Bound on hostd's whole life in one test run (all tests of a collection share it).</summary>
    public static readonly TimeSpan HostdLifetime = TimeSpan.FromMinutes(20);

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_cliTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyDictionary<string, object> _extraConfig;
    private HostdUnderTest? _hostd;

    private CloneHost(TempDirectory directory, CloneNetwork network, IReadOnlyDictionary<string, object> extraConfig)
    {
        Directory = directory;
        Network = network;
        _extraConfig = extraConfig;
    }

    public TempDirectory Directory { get; }

    public CloneNetwork Network { get; }

    public string StateDirectory => Directory.Combine("state");

    public string RuntimeDirectory => Directory.Combine("run");

    public string SocketPath => Path.Combine(RuntimeDirectory, "hostd.sock");

    public string AdminTokenFile => Path.Combine(StateDirectory, "cms", "admin.token");

    /// <summary>The CMS as guests and the CLI reach it: <c>10.99.0.1:7070</c>.</summary>
    public static string CmsEndpoint => string.Create(CultureInfo.InvariantCulture, $"{CloneNetwork.BridgeAddress}:{CmsPort}");

    /// <summary>hostd's pid while it runs.</summary>
    public Task<int> HostdPidAsync() => (_hostd ?? throw new InvalidOperationException("hostd is not running")).PidAsync();

    /// <summary>
    /// Creates the namespace and starts hostd in it. <paramref name="extraConfig"/> adds configuration
    /// sections (e.g. the VM section with the bridge name) next to Hostd and Cms.
    /// </summary>
    public static async Task<CloneHost> StartAsync(IReadOnlyDictionary<string, object>? extraConfig = null)
    {
        var directory = new TempDirectory("clone-host");
        CloneNetwork? network = null;
        try
        {
            network = await CloneNetwork.CreateAsync();
            var host = new CloneHost(directory, network, extraConfig ?? new Dictionary<string, object>());
            await host.StartHostdAsync();
            return host;
        }
        catch
        {
            if (network is not null)
            {
                await network.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    /// <summary>Starts hostd (again) and waits until its control socket answers <c>jumpstart status</c>.</summary>
    public async Task StartHostdAsync()
    {
        if (_hostd is { Exited.IsCompleted: false })
        {
            throw new InvalidOperationException("hostd is already running");
        }

        File.WriteAllText(HostdUnderTest.ConfigPath(Directory), ConfigJson());
        _hostd = HostdUnderTest.StartWrapped(
            Requirements.RequireTool("ip"),
            [.. Network.ExecPrefix, BuiltPrograms.Hostd, .. HostdUnderTest.DefaultArguments(Directory)],
            new Dictionary<string, string?> { ["JUMPSTART_HOSTD_CONFIG"] = null, ["NOTIFY_SOCKET"] = null },
            HostdLifetime);
        await Poll.UntilAsync(_ => AnswersAsync(), s_readyTimeout, "jumpstart-hostd answering 'jumpstart status'", s_pollInterval);
    }

    /// <summary>Whether hostd answers the CLI; throws when it exited.</summary>
    private async Task<bool> AnswersAsync()
    {
        if (_hostd!.Exited.IsCompleted)
        {
            var exit = await _hostd.Exited;
            throw new InvalidOperationException($"jumpstart-hostd exited with {exit.ExitCode}: {exit.StandardError}");
        }

        return File.Exists(SocketPath) && (await CliAsync("status")).Succeeded;
    }

    /// <summary>Stops hostd with SIGTERM (as systemd would) and waits for it to exit.</summary>
    public async Task StopHostdAsync()
    {
        if (_hostd is { } hostd)
        {
            _hostd = null;
            await hostd.StopAsync();
            await hostd.DisposeAsync();
        }
    }

    /// <summary>
    /// Runs the <c>jumpstart</c> CLI against this host's socket (bounded); does not fail on a non-zero
    /// exit. It runs inside the namespace, as an operator on the host would: the CMS listens on the bridge.
    /// </summary>
    public Task<ProcessResult> CliAsync(params string[] arguments)
        => ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            [.. Network.ExecPrefix, BuiltPrograms.Cli, .. arguments, "--socket", SocketPath],
            new ProcessRunOptions { Timeout = s_cliTimeout });

    /// <summary>Runs the CLI with <c>--json</c>, fails the test unless it exits 0, and parses stdout.</summary>
    public async Task<JsonElement> CliJsonAsync(params string[] arguments)
    {
        var result = await CliAsync([.. arguments, "--json"]);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"jumpstart {string.Join(' ', arguments)} exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {result.StandardError}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    /// <summary>QEMU processes started under this host's directories (pid from each pidfile, checked against /proc).</summary>
    public IReadOnlyList<int> QemuPids() => QemuProcesses.Under(Directory.Path, StateDirectory, RuntimeDirectory);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopHostdAsync();
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or Xunit.Sdk.XunitException)
        {
            // Disposal goes on: the processes and the namespace must not outlive the test.
        }

        foreach (var pid in QemuPids())
        {
            _ = Syscall.kill(pid, Signum.SIGKILL);
        }

        await Network.DisposeAsync();
        Directory.Dispose();
    }

    private string ConfigJson()
    {
        var config = new Dictionary<string, object>
        {
            ["Hostd"] = new Dictionary<string, object> { ["NodeName"] = "clone-test-host" },
            ["Cms"] = new Dictionary<string, object>
            {
                ["Enabled"] = true,
                ["Listen"] = CmsEndpoint,
                ["DatabasePath"] = Path.Combine(StateDirectory, "cms", "cms.db"),
                ["AdminTokenFile"] = AdminTokenFile,
            },
        };
        foreach (var (section, value) in _extraConfig)
        {
            config[section] = value;
        }

        return JsonSerializer.Serialize(config);
    }
}
