using System.Security.Cryptography;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;

namespace Jumpstart.Tests.DBus;

/// <summary>
/// A real systemd as PID 1: <c>systemd-nspawn --boot --directory=/ --volatile=yes</c> boots this
/// machine's own /usr with an empty /etc on tmpfs (no image to build), in its own network namespace,
/// with the checkout (build output, packaging) and the test's directory bind-mounted at the same paths,
/// and hostd's bus policy installed. Commands run inside through <c>nsenter</c> into PID 1's namespaces.
/// </summary>
/// <remarks>
/// The host has no systemd (<c>--register=no --keep-unit</c>). <c>systemd.unit=basic.target</c> boots
/// only what D-Bus needs; machined and hostnamed start on demand (bus activation).
/// <see cref="BootRootAsync"/> boots another root file system instead (the package tests' Debian 12),
/// read-only under a tmpfs overlay, to its default target.
/// </remarks>
public sealed class NspawnContainer : IAsyncDisposable
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(6);

    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);

    private readonly TaskCompletionSource<int> _nspawnPid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<ProcessResult> _exited;

    private NspawnContainer(string name, IEnumerable<string> root, IEnumerable<string> binds, IEnumerable<string> kernelArguments, TimeSpan lifetime)
    {
        Name = name;
        _exited = ProcessRunner.RunAsync(
            Requirements.RequireTool("systemd-nspawn"),
            [
                "--boot", .. root, $"--machine={name}", "--register=no", "--keep-unit",
                "--private-network", "--quiet", "--console=passive", .. binds, .. kernelArguments,
            ],
            new ProcessRunOptions { Timeout = lifetime, MaxCapturedChars = 256 * 1024, OnStarted = pid => _nspawnPid.TrySetResult(pid) });
    }

    /// <summary>The container's machine (and host) name.</summary>
    public string Name { get; }

    /// <summary>The container's PID 1 (systemd), as the host sees it.</summary>
    public int Leader { get; private set; }

    /// <summary>Boots a container that sees <paramref name="directory"/> and the checkout; returns once systemd has finished booting.</summary>
    public static async Task<NspawnContainer> BootAsync(TempDirectory directory)
    {
        var name = "js-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var policy = BuiltPrograms.RepositoryFile("packaging/dbus/org.jumpstart.Hostd1.conf");
        return await BootAsync(new NspawnContainer(name, ["--directory=/", "--volatile=yes"],
        [
            $"--bind-ro={BuiltPrograms.RepositoryRoot}", $"--bind={directory.Path}", "--bind=/dev/net/tun",
            $"--bind-ro={policy}:/etc/dbus-1/system.d/org.jumpstart.Hostd1.conf",
        ], ["systemd.unit=basic.target", "systemd.firstboot=off"], s_lifetime));
    }

    /// <summary>
    /// Boots the root file system at <paramref name="root"/> (read-only, writes go to a tmpfs overlay
    /// that ends with the container) to its default target, with <paramref name="directory"/> bound at the same path
    /// and /dev/net/tun (for taps).
    /// </summary>
    public static Task<NspawnContainer> BootRootAsync(string root, TempDirectory directory, TimeSpan lifetime)
    {
        var name = "js-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return BootAsync(new NspawnContainer(name, [$"--directory={root}", "--volatile=overlay"], [$"--bind={directory.Path}", "--bind=/dev/net/tun"], ["systemd.firstboot=off"], lifetime));
    }

    private static async Task<NspawnContainer> BootAsync(NspawnContainer container)
    {
        try
        {
            await container.WaitForBootAsync();
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="argv"/> inside (all of PID 1's namespaces), with this process's environment.</summary>
    public Task<ProcessResult> RunAsync(params string[] argv)
        => ProcessRunner.RunAsync(Requirements.RequireTool("nsenter"), ["-t", Leader.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", "--", .. argv],
            new ProcessRunOptions { Timeout = CommandTimeout });

    /// <summary>Runs <paramref name="argv"/> inside and fails the test unless it succeeds; returns its stdout.</summary>
    public async Task<string> RunCheckedAsync(params string[] argv)
    {
        var result = await RunAsync(argv);
        return result.Succeeded
            ? result.StandardOutput
            : throw new InvalidOperationException($"in {Name}: {string.Join(' ', argv)} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
    }

    /// <summary>Repeats <paramref name="argv"/> inside until <paramref name="done"/> holds for its result (bounded).</summary>
    public async Task<ProcessResult> RunUntilAsync(Func<ProcessResult, bool> done, TimeSpan timeout, params string[] argv)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await RunAsync(argv);
            if (done(result))
            {
                return result;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"in {Name}: {string.Join(' ', argv)} did not get there within {timeout.TotalSeconds} s; last: {result.ExitCode} {result.StandardOutput}{result.StandardError}");
            }

            await Task.Delay(s_poll);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Leader > 0 && !_exited.IsCompleted)
        {
            await RunAsync("systemctl", "poweroff");
        }

        try
        {
            await _exited.WaitAsync(BootTimeout);
        }
        catch (TimeoutException)
        {
            if (_nspawnPid.Task.IsCompletedSuccessfully)
            {
                _ = Syscall.kill(_nspawnPid.Task.Result, Signum.SIGKILL);
            }
        }
    }

    private async Task WaitForBootAsync()
    {
        var nspawn = await _nspawnPid.Task.WaitAsync(BootTimeout);
        var deadline = DateTime.UtcNow + BootTimeout;

        // nspawn forks an outer child that forks the container's PID 1 and exits; PID 1 is ours once it has exec'd systemd.
        while ((Leader = SystemdChildOf(nspawn)) == 0)
        {
            if (_exited.IsCompleted)
            {
                var result = await _exited;
                throw new InvalidOperationException($"systemd-nspawn exited ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"systemd-nspawn started no systemd within {BootTimeout.TotalSeconds} s");
            }

            await Task.Delay(s_poll);
        }

        // "degraded" is a booted system with a failed unit (this machine's /usr enables a few that cannot run here).
        await RunUntilAsync(r => r.StandardOutput.Trim() is "running" or "degraded", deadline - DateTime.UtcNow, "systemctl", "is-system-running", "--wait");
    }

    private static int SystemdChildOf(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var child = children.Length > 0 ? int.Parse(children[0], System.Globalization.CultureInfo.InvariantCulture) : 0;
            return child > 0 && File.ReadAllText($"/proc/{child}/comm").Trim() == "systemd" ? child : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
