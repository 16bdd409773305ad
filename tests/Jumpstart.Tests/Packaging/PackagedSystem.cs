using System.Globalization;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.DBus;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// A Debian 12 machine with systemd as PID 1 (<see cref="NspawnContainer.BootRootAsync"/> on the
/// mmdebstrap root) that the packages get installed into. Its writes go to a tmpfs overlay, so every
/// test starts from the same clean root. Commands run with a clean environment (no variable of the
/// test process leaks in), as an operator's shell would.
/// </summary>
public sealed class PackagedSystem : IAsyncDisposable
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _directory;
    private readonly NspawnContainer _container;

    private PackagedSystem(BuiltPackages packages, TempDirectory directory, NspawnContainer container)
    {
        Packages = packages;
        _directory = directory;
        _container = container;
    }

    public BuiltPackages Packages { get; }

    /// <summary>A directory both sides see at the same path (package files, edited configurations).</summary>
    public TempDirectory Shared => _directory;

    public static async Task<PackagedSystem> BootAsync(string prefix)
    {
        var packages = await BuiltPackages.GetAsync();
        var directory = new TempDirectory(prefix);
        try
        {
            var container = await NspawnContainer.BootRootAsync(await packages.RootAsync(), directory, s_lifetime);
            return new PackagedSystem(packages, directory, container);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="argv"/> inside with only PATH, LANG and DEBIAN_FRONTEND set.</summary>
    public Task<ProcessResult> RunAsync(params string[] argv)
        => _container.RunAsync(["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive", "SYSTEMD_PAGER=", .. argv]);

    /// <summary>Runs <paramref name="argv"/> inside and fails the test unless it succeeds; returns its stdout.</summary>
    public async Task<string> RunCheckedAsync(params string[] argv)
    {
        var result = await RunAsync(argv);
        return result.Succeeded
            ? result.StandardOutput
            : throw new InvalidOperationException($"in {_container.Name}: {string.Join(' ', argv)} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
    }

    /// <summary>Repeats <paramref name="argv"/> inside until its result satisfies <paramref name="done"/> (bounded).</summary>
    public Task<ProcessResult> RunUntilAsync(Func<ProcessResult, bool> done, TimeSpan timeout, params string[] argv)
        => _container.RunUntilAsync(done, timeout, ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "SYSTEMD_PAGER=", .. argv]);

    /// <summary>
    /// <c>apt-get install ./FILE.deb</c>: every dependency is already in the root (which has no network), so nothing is downloaded.
    /// An edited configuration file is kept on upgrade (--force-confold, as an unattended upgrade does).
    /// </summary>
    public Task<string> AptInstallAsync(string deb)
    {
        var copy = _directory.Combine(Path.GetFileName(deb));
        if (!File.Exists(copy))
        {
            File.Copy(deb, copy);
        }

        return RunCheckedAsync("apt-get", "install", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", copy);
    }

    /// <summary><c>systemctl show -p ...</c> as a dictionary.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ShowAsync(string unit, params string[] properties)
    {
        var output = await RunCheckedAsync(["systemctl", "show", unit, .. properties.SelectMany(p => new[] { "-p", p })]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
    }

    public async Task<int> MainPidAsync(string unit)
        => int.Parse((await ShowAsync(unit, "MainPID"))["MainPID"], CultureInfo.InvariantCulture);

    /// <summary>Waits until <paramref name="unit"/> is active (running) and returns its main PID.</summary>
    public async Task<int> WaitActiveAsync(string unit, TimeSpan timeout, int notPid = 0)
    {
        await RunUntilAsync(
            r => r.StandardOutput.Contains("ActiveState=active", StringComparison.Ordinal) && r.StandardOutput.Contains("SubState=running", StringComparison.Ordinal)
                && !r.StandardOutput.Contains($"MainPID={notPid}\n", StringComparison.Ordinal) && !r.StandardOutput.Contains("MainPID=0\n", StringComparison.Ordinal),
            timeout, "systemctl", "show", unit, "-p", "ActiveState", "-p", "SubState", "-p", "MainPID");
        return await MainPidAsync(unit);
    }

    /// <summary>The unit's journal of this boot with the given extra journalctl arguments (message text only).</summary>
    public Task<string> JournalAsync(string unit, params string[] arguments)
        => RunCheckedAsync(["journalctl", "-b", "-u", unit, "--no-pager", "-o", "cat", .. arguments]);

    /// <summary>What systemd (PID 1) logged about <paramref name="unit"/> (its debug lines once <see cref="DebugSystemdAsync"/> ran).</summary>
    public Task<string> ManagerJournalAsync(string unit)
        => RunCheckedAsync("journalctl", "-b", "_PID=1", "--no-pager", "-o", "cat", "--grep", unit);

    /// <summary>Makes systemd log at debug level, so the notifications it receives show in its journal.</summary>
    public Task<string> DebugSystemdAsync() => RunCheckedAsync("systemd-analyze", "log-level", "debug");

    /// <summary>The file's exact content (copied through the shared directory: command output would gain a final newline).</summary>
    public async Task<string> ReadFileAsync(string path)
    {
        var copy = _directory.Combine("read-" + Guid.NewGuid().ToString("N"));
        await RunCheckedAsync("cp", path, copy);
        return await File.ReadAllTextAsync(copy);
    }

    public async Task<bool> ExistsAsync(string path) => (await RunAsync("test", "-e", path)).Succeeded;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> inside (through the shared directory).</summary>
    public async Task WriteFileAsync(string path, string content)
    {
        var staged = _directory.Combine("staged-" + Path.GetFileName(path));
        await File.WriteAllTextAsync(staged, content);
        await RunCheckedAsync("install", "-D", "-m", "0644", staged, path);
    }

    public async ValueTask DisposeAsync()
    {
        await _container.DisposeAsync();
        _directory.Dispose();
    }
}
