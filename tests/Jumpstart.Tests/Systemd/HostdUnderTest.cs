using System.Collections.Concurrent;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// The real jumpstart-hostd executable started for one test: its own config file, state and
/// runtime directories under the test's temp directory, and only the systemd variables the test
/// sets. Its whole life is bounded by <see cref="MaxLifetime"/>.
/// </summary>
public sealed class HostdUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The environment override of <c>Vm:Accelerator</c> (JUMPSTART_ prefix, <c>__</c> for <c>:</c>).</summary>
    public const string AcceleratorVariable = "JUMPSTART_Vm__Accelerator";

    private static readonly string[] s_systemdVariables =
    [
        SystemdEnvironment.NotifySocketVariable, SystemdEnvironment.WatchdogUsecVariable, SystemdEnvironment.WatchdogPidVariable,
        SystemdEnvironment.ListenPidVariable, SystemdEnvironment.ListenFdsVariable, SystemdEnvironment.ListenFdNamesVariable,
        SystemdEnvironment.JournalStreamVariable, SystemdEnvironment.InvocationIdVariable, "JUMPSTART_HOSTD_CONFIG",
    ];

    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stdout = new();

    private HostdUnderTest(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan? lifetime = null)
    {
        var variables = s_systemdVariables.ToDictionary(v => v, _ => (string?)null);

        // /dev/kvm here is nested PVM: with Vm:Accelerator=auto every hostd would first boot a KVM probe VM (up to
        // AcceleratorProbe.ProbeTimeout) before READY=1. Tests that are not about the probe take TCG, as the probe would.
        variables[AcceleratorVariable] = "tcg";
        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }

        Exited = ProcessRunner.RunAsync(program, arguments, new ProcessRunOptions
        {
            Timeout = lifetime ?? MaxLifetime,
            Environment = variables,
            OnStarted = pid => _pid.TrySetResult(pid),
            OnLine = line =>
            {
                if (!line.IsError)
                {
                    _stdout.Enqueue(line.Text);
                }
            },
        });
    }

    /// <summary>Completes when the process has exited (or was killed at <see cref="MaxLifetime"/>).</summary>
    public Task<ProcessResult> Exited { get; }

    /// <summary>Standard output lines so far.</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>Writes the config file and starts jumpstart-hostd with --config, --state-dir and --runtime-dir in <paramref name="directory"/>.</summary>
    public static HostdUnderTest Start(TempDirectory directory, string configJson, IReadOnlyDictionary<string, string?> environment)
    {
        File.WriteAllText(ConfigPath(directory), configJson);
        return new HostdUnderTest(BuiltPrograms.Hostd, DefaultArguments(directory), environment);
    }

    /// <summary>Starts jumpstart-hostd as <see cref="Start(TempDirectory, string, IReadOnlyDictionary{string, string?})"/> with NOTIFY_SOCKET pointing at <paramref name="listener"/>.</summary>
    public static HostdUnderTest Start(TempDirectory directory, string configJson, NotifyListener listener, params (string Name, string Value)[] environment)
    {
        var variables = environment.ToDictionary(v => v.Name, v => (string?)v.Value);
        variables[SystemdEnvironment.NotifySocketVariable] = listener.Address;
        return Start(directory, configJson, variables);
    }

    /// <summary>Starts <paramref name="program"/> (a wrapper such as systemd-socket-activate or <c>ip netns exec</c>) with arguments as given.</summary>
    /// <param name="program">The wrapper to run.</param>
    /// <param name="arguments">Its arguments, hostd's included.</param>
    /// <param name="environment">Variables to set (null removes one).</param>
    /// <param name="lifetime">Bound on the process's life; <see cref="MaxLifetime"/> when null.</param>
    public static HostdUnderTest StartWrapped(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan? lifetime = null)
        => new(program, arguments, environment, lifetime);

    public static string ConfigPath(TempDirectory directory) => directory.Combine("hostd.json");

    public static string[] DefaultArguments(TempDirectory directory) =>
        ["--config", ConfigPath(directory), "--state-dir", directory.Combine("state"), "--runtime-dir", directory.Combine("run")];

    public static string Config(string nodeName) => $$"""{ "Hostd": { "NodeName": "{{nodeName}}" } }""";

    /// <summary>The daemon's pid (bounded wait for the start).</summary>
    public Task<int> PidAsync() => _pid.Task.WaitAsync(StepTimeout);

    public async Task SignalAsync(Signum signal)
    {
        var pid = await PidAsync();
        Assert.Equal(0, Syscall.kill(pid, signal));
    }

    /// <summary>Sends SIGTERM and returns the (bounded) exit.</summary>
    public async Task<ProcessResult> StopAsync()
    {
        await SignalAsync(Signum.SIGTERM);
        return await WaitForExitAsync();
    }

    /// <summary>Waits (bounded) for the exit and returns the result.</summary>
    public Task<ProcessResult> WaitForExitAsync() => Exited.WaitAsync(StepTimeout);

    public async ValueTask DisposeAsync()
    {
        if (!Exited.IsCompleted && _pid.Task.IsCompletedSuccessfully)
        {
            _ = Syscall.kill(await _pid.Task, Signum.SIGKILL);
        }

        try
        {
            await Exited.WaitAsync(StepTimeout);
        }
        catch (TimeoutException)
        {
            // Nothing more to do; the runner's own timeout kills it eventually.
        }
    }
}
