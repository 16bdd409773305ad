using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Guestd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Mono.Unix.Native;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// One host of a <see cref="ClusterTestBed"/>: its own network namespace plugged into the switch, its own
/// configuration, state and runtime directories (so its own certificates), and a real <c>jumpstart-hostd</c> (the
/// Release build) running in the namespace. The <c>jumpstart</c> CLI reaches it on its control socket.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    /// <summary>The cluster port every node listens on, at its own address.</summary>
    public const int Port = 7443;

    /// <summary>Bound on one hostd's whole life (a fixture's tests share it).</summary>
    public static readonly TimeSpan HostdLifetime = TimeSpan.FromMinutes(20);

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_cliTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private readonly NetworkNamespace _namespace;
    private readonly IReadOnlyDictionary<string, object> _clusterConfig;
    private readonly Dictionary<string, object> _overrides = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _sections = new(StringComparer.Ordinal);
    private HostdUnderTest? _hostd;

    private ClusterNode(int index, string name, NetworkNamespace ns, TempDirectory directory, IReadOnlyDictionary<string, object> clusterConfig)
    {
        Index = index;
        Name = name;
        _namespace = ns;
        Directory = directory;
        _clusterConfig = clusterConfig;
    }

    public int Index { get; }

    /// <summary>Its node name, which becomes the name in its certificate.</summary>
    public string Name { get; }

    public string Namespace => _namespace.Name;

    public string Address => ClusterSwitch.HostAddress(Index);

    /// <summary>Its cluster port, <c>ADDRESS:PORT</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"{Address}:{Port}");

    public TempDirectory Directory { get; }

    public string StateDirectory => Directory.Combine("state");

    /// <summary>The cluster directory (CA, keys, certificates, crl.pem, cluster.json, manager.db).</summary>
    public string ClusterDirectory => Path.Combine(StateDirectory, "cluster");

    public string SocketPath => Directory.Combine("run", "hostd.sock");

    /// <summary>The argv prefix that runs a program in this host's namespace.</summary>
    public IReadOnlyList<string> ExecPrefix => ["netns", "exec", Namespace];

    /// <summary>Whether hostd runs.</summary>
    public bool Running => _hostd is { Exited.IsCompleted: false };

    internal static async Task<ClusterNode> CreateAsync(
        ClusterSwitch network, int index, string name, IReadOnlyDictionary<string, object> clusterConfig, Action<ClusterNode>? prepare = null, Func<ClusterNode, IReadOnlyList<string>?>? bridged = null)
    {
        var ns = await NetworkNamespace.CreateAsync($"ch{index}");
        var directory = new TempDirectory($"cluster-{name}");
        var node = new ClusterNode(index, name, ns, directory, clusterConfig);
        try
        {
            prepare?.Invoke(node);
            await network.PlugAsync(ns, index, node.Address, bridged?.Invoke(node));
            await node.StartHostdAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>hostd's pid while it runs.</summary>
    public Task<int> PidAsync() => (_hostd ?? throw new InvalidOperationException($"hostd of {Name} is not running")).PidAsync();

    /// <summary>Starts hostd (again) and waits until it answers <c>jumpstart status</c>.</summary>
    public async Task StartHostdAsync()
    {
        if (Running)
        {
            throw new InvalidOperationException($"hostd of {Name} is already running");
        }

        File.WriteAllText(HostdUnderTest.ConfigPath(Directory), ConfigJson());
        _hostd = HostdUnderTest.StartWrapped(
            Requirements.RequireTool("ip"),
            [.. ExecPrefix, BuiltPrograms.Hostd, .. HostdUnderTest.DefaultArguments(Directory)],
            new Dictionary<string, string?> { ["JUMPSTART_HOSTD_CONFIG"] = null, ["NOTIFY_SOCKET"] = null },
            HostdLifetime);
        await Poll.UntilAsync(_ => AnswersAsync(), s_readyTimeout, $"jumpstart-hostd of {Name} answering 'jumpstart status'", s_pollInterval);
    }

    /// <summary>Kills hostd with SIGKILL (a crash, a power cut) and waits for it to be gone.</summary>
    public async Task KillHostdAsync()
    {
        var hostd = _hostd ?? throw new InvalidOperationException($"hostd of {Name} is not running");
        _hostd = null;
        await hostd.SignalAsync(Signum.SIGKILL);
        await hostd.DisposeAsync();
    }

    /// <summary>Stops hostd with SIGTERM and waits for it to exit.</summary>
    public async Task StopHostdAsync()
    {
        if (_hostd is { } hostd)
        {
            _hostd = null;
            try
            {
                await hostd.StopAsync();
            }
            finally
            {
                await hostd.DisposeAsync();
            }
        }
    }

    /// <summary>Sets (or, with null, clears) one cluster setting of this host only, from its next start on.</summary>
    public void Override(string key, object? value)
    {
        if (value is null)
        {
            _overrides.Remove(key);
        }
        else
        {
            _overrides[key] = value;
        }
    }

    /// <summary>Sets another section of this host's hostd configuration (e.g. Store), from its next start on.</summary>
    public void Section(string name, object value) => _sections[name] = value;

    /// <summary>Runs the <c>jumpstart</c> CLI against this host's socket (bounded); does not fail on a non-zero exit.</summary>
    public Task<ProcessResult> CliAsync(params string[] arguments)
        => ProcessRunner.RunAsync(BuiltPrograms.Cli, [.. arguments, "--socket", SocketPath], new ProcessRunOptions { Timeout = s_cliTimeout });

    /// <summary>Runs the CLI with <c>--json</c>, fails unless it exits 0, and parses stdout.</summary>
    public async Task<JsonElement> CliJsonAsync(params string[] arguments)
    {
        var result = await CliAsync([.. arguments, "--json"]);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{Name}: jumpstart {string.Join(' ', arguments)} exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {result.StandardError}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    /// <summary>Runs a program inside this host's namespace (bounded).</summary>
    public Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, ReadOnlyMemory<byte>? input = null, TimeSpan? timeout = null)
        => ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            [.. ExecPrefix, program, .. arguments],
            new ProcessRunOptions { Timeout = timeout ?? TimeSpan.FromSeconds(30), StandardInput = input });

    private async Task<bool> AnswersAsync()
    {
        if (_hostd!.Exited.IsCompleted)
        {
            var exit = await _hostd.Exited;
            throw new InvalidOperationException($"jumpstart-hostd of {Name} exited with {exit.ExitCode}: {exit.StandardError}");
        }

        return File.Exists(SocketPath) && (await CliAsync("status")).Succeeded;
    }

    private string ConfigJson()
    {
        var cluster = new Dictionary<string, object> { ["Listen"] = Endpoint };
        foreach (var (key, value) in _clusterConfig.Concat(_overrides))
        {
            cluster[key] = value;
        }

        var config = new Dictionary<string, object>(_sections, StringComparer.Ordinal)
        {
            ["Hostd"] = new Dictionary<string, object> { ["NodeName"] = Name },
            ["Cluster"] = cluster,
        };
        return JsonSerializer.Serialize(config);
    }

    /// <summary>QEMU processes this host's hostd started.</summary>
    public IReadOnlyList<int> QemuPids() => QemuProcesses.Under(Directory.Path, Directory.Path);

    /// <summary>The host dies: every VM it runs and its hostd are killed at once (SIGKILL), as a power cut would.</summary>
    public async Task DieAsync()
    {
        KillVms();
        await KillHostdAsync();
    }

    private void KillVms()
    {
        foreach (var pid in QemuPids())
        {
            _ = Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopHostdAsync();
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or Xunit.Sdk.XunitException)
        {
            // Disposal goes on: the process and the namespace must not outlive the test.
        }

        KillVms();
        await _namespace.DisposeAsync();
        Directory.Dispose();
    }
}
