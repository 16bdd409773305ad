using System.Runtime.Versioning;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;

namespace Jumpstart.Tests.DBus;

/// <summary>
/// A real dbus-daemon for one test, started from a generated config as Tmds.DBus's own tests do,
/// but shaped like Debian's system bus (EXTERNAL auth, deny by default, holes punched by policy files)
/// and including packaging/dbus/org.jumpstart.Hostd1.conf, so the shipped policy is what the peers meet.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PrivateBus : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(5);

    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<ProcessResult> _exited;

    private PrivateBus(string configFile)
    {
        _exited = ProcessRunner.RunAsync(
            Requirements.RequireTool("dbus-daemon"),
            [$"--config-file={configFile}", "--nofork", "--print-address"],
            new ProcessRunOptions
            {
                Timeout = s_lifetime,
                OnStarted = pid => _pid.TrySetResult(pid),
                OnLine = line =>
                {
                    if (!line.IsError && line.Text.StartsWith("unix:", StringComparison.Ordinal))
                    {
                        _address.TrySetResult(line.Text.Trim());
                    }
                },
            });
    }

    /// <summary>The bus address (<c>unix:path=...,guid=...</c>), for DBUS_SYSTEM_BUS_ADDRESS and <c>--address</c>.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>
    /// Writes the config into <paramref name="directory"/> and starts the daemon (bounded wait for its address).
    /// <paramref name="extraPolicy"/>: more &lt;policy&gt; elements, e.g. to let a test's own peer own a name.
    /// </summary>
    public static async Task<PrivateBus> StartAsync(TempDirectory directory, string extraPolicy = "")
    {
        // Peers that are not root (the policy tests) must reach the socket.
        File.SetUnixFileMode(directory.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        var config = directory.Combine("bus.conf");
        var socket = directory.Combine("bus.sock");
        await File.WriteAllTextAsync(config, Config(socket, BuiltPrograms.RepositoryFile("packaging/dbus/org.jumpstart.Hostd1.conf"), extraPolicy));
        var bus = new PrivateBus(config);
        var started = await Task.WhenAny(bus._address.Task, bus._exited).WaitAsync(StartTimeout);
        if (started != bus._address.Task)
        {
            var result = await bus._exited;
            throw new InvalidOperationException($"dbus-daemon exited ({result.ExitCode}): {result.StandardError}");
        }

        bus.Address = await bus._address.Task;
        return bus;
    }

    public async ValueTask DisposeAsync()
    {
        if (_pid.Task.IsCompletedSuccessfully && !_exited.IsCompleted)
        {
            _ = Syscall.kill(_pid.Task.Result, Signum.SIGTERM);
        }

        await _exited.WaitAsync(StartTimeout);
    }

    /// <summary>Debian's /usr/share/dbus-1/system.conf, minus the user switch, fork, activation helper and syslog.</summary>
    private static string Config(string socket, string hostdPolicy, string extraPolicy) => $"""
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <auth>EXTERNAL</auth>
          <listen>unix:path={socket}</listen>
          <policy context="default">
            <allow user="*"/>
            <deny own="*"/>
            <deny send_type="method_call"/>
            <allow send_type="signal"/>
            <allow send_requested_reply="true" send_type="method_return"/>
            <allow send_requested_reply="true" send_type="error"/>
            <allow receive_type="method_call"/>
            <allow receive_type="method_return"/>
            <allow receive_type="error"/>
            <allow receive_type="signal"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
          </policy>
          <policy user="root">
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
          </policy>
          <include>{hostdPolicy}</include>
          {extraPolicy}
        </busconfig>
        """;
}
