using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// The lifecycle steps both daemon packages go through under a real systemd, each ending in its
/// assertions. The test classes (<see cref="HostPackageLifecycleTests"/>, <see cref="GuestPackageLifecycleTests"/>)
/// add what only one of the daemons has.
/// </summary>
internal static class Lifecycle
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    /// <summary>journald's priorities: 4 = warning (journalctl -p warning shows 0-4).</summary>
    private const int WarningPriority = 4;

    /// <summary>Installs the package and waits for its daemon; returns the main PID.</summary>
    public static async Task<int> InstallAndWaitAsync(PackagedSystem system, DaemonPackage package)
    {
        await system.AptInstallAsync(package.Deb(system.Packages));
        return await system.WaitActiveAsync(package.Unit, Step);
    }

    /// <summary>The unit systemd runs is the shipped file byte for byte (so the hardening measured on the file is what runs).</summary>
    public static async Task AssertShippedUnitAsync(PackagedSystem system, string unit)
    {
        var installed = await system.ReadFileAsync($"/lib/systemd/system/{unit}");
        var shipped = await File.ReadAllTextAsync(Support.BuiltPrograms.RepositoryFile($"packaging/systemd/{unit}"));
        Assert.Equal(shipped, installed);
        var fragment = await system.ShowAsync(unit, "FragmentPath", "DropInPaths");
        Assert.Equal($"/lib/systemd/system/{unit}", fragment["FragmentPath"]);
        Assert.Equal(string.Empty, fragment["DropInPaths"]);
    }

    /// <summary>
    /// A valid change is in effect after <c>systemctl reload</c>, and systemd received RELOADING=1 then READY=1
    /// from the daemon; a broken file is rejected (the daemon keeps its PID and the previous configuration) and the
    /// reason reaches the journal at error priority. <paramref name="inEffect"/> checks the valid change.
    /// </summary>
    public static async Task ReloadAsync(PackagedSystem system, DaemonPackage package, string changed, Func<Task> inEffect, Func<Task> previousStillInEffect)
    {
        var pid = await system.MainPidAsync(package.Unit);
        await system.DebugSystemdAsync();

        await system.WriteFileAsync(package.ConfigFile, changed);
        await system.RunCheckedAsync("systemctl", "reload", package.Unit);
        var notified = $"Got notification message from PID {pid} (";
        var manager = await system.RunUntilAsync(r => ReadyAfterReloading(r.StandardOutput, notified), Step, "journalctl", "-b", "_PID=1", "--no-pager", "-o", "cat", "--grep", package.Unit);
        Assert.True(ReadyAfterReloading(manager.StandardOutput, notified), Tail(manager.StandardOutput));
        await inEffect();

        await system.WriteFileAsync(package.ConfigFile, """{ "Logging": { "LogLevel": { "Default": "Inform""");
        await system.RunCheckedAsync("systemctl", "reload", package.Unit);
        var status = await system.RunUntilAsync(r => r.StandardOutput.Contains("reload failed", StringComparison.Ordinal), Step, "systemctl", "show", package.Unit, "-p", "StatusText");
        Assert.Contains("running with the previous configuration", status.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(pid, await system.MainPidAsync(package.Unit));
        Assert.Equal("active", (await system.RunCheckedAsync("systemctl", "is-active", package.Unit)).Trim());
        await previousStillInEffect();
        var rejected = await system.JournalAsync(package.Unit, "-p", "err", "--grep", "reload rejected");
        Assert.Contains("JSON", rejected, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <c>journalctl -p warning</c> shows warnings and worse only: every entry it lists has priority 4 or lower, the
    /// rejected reload is among them, and the daemon's information lines (which <c>-p info</c> shows) are not.
    /// </summary>
    public static async Task AssertJournalPrioritiesAsync(PackagedSystem system, DaemonPackage package, string infoLine)
    {
        var warnings = await system.RunCheckedAsync("journalctl", "-b", "-u", package.Unit, "-p", "warning", "-o", "json", "--no-pager");
        var entries = warnings.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var daemonEntries = entries.Where(e => e.TryGetProperty("SYSLOG_IDENTIFIER", out var id) && id.GetString()!.StartsWith("jumpstart-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(daemonEntries);
        Assert.All(entries, e => Assert.InRange(int.Parse(e.GetProperty("PRIORITY").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 0, WarningPriority));
        Assert.Contains(daemonEntries, e => e.GetProperty("MESSAGE").GetString()!.Contains("reload rejected", StringComparison.Ordinal));
        Assert.DoesNotContain(daemonEntries, e => e.GetProperty("MESSAGE").GetString()!.Contains(infoLine, StringComparison.Ordinal));
        Assert.Contains(infoLine, await system.JournalAsync(package.Unit, "-p", "info"), StringComparison.Ordinal);
    }

    /// <summary>
    /// A daemon stopped with SIGSTOP sends no WATCHDOG=1; systemd kills and restarts it. The watchdog interval is
    /// shortened with a runtime drop-in (30 s shipped) so the test takes seconds; nothing else changes.
    /// </summary>
    public static async Task AssertWatchdogRestartsAsync(PackagedSystem system, DaemonPackage package)
    {
        await system.WriteFileAsync($"/run/systemd/system/{package.Unit}.d/watchdog.conf", "[Service]\nWatchdogSec=4s\n");
        await system.RunCheckedAsync("systemctl", "daemon-reload");
        await system.RunCheckedAsync("systemctl", "restart", package.Unit);
        var stopped = await system.WaitActiveAsync(package.Unit, Step);
        var restartsBefore = int.Parse((await system.ShowAsync(package.Unit, "NRestarts"))["NRestarts"], System.Globalization.CultureInfo.InvariantCulture);

        await system.RunCheckedAsync("kill", "-STOP", stopped.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var restarted = await system.WaitActiveAsync(package.Unit, Step, notPid: stopped);

        var restarts = int.Parse((await system.ShowAsync(package.Unit, "NRestarts"))["NRestarts"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(stopped, restarted);
        Assert.Equal(restartsBefore + 1, restarts);
        Assert.False(await system.ExistsAsync($"/proc/{stopped}"), $"the stopped daemon {stopped} is still there");
        Assert.Contains("Watchdog timeout", await system.ManagerJournalAsync(package.Unit), StringComparison.Ordinal);
    }

    /// <summary><c>systemctl stop</c> ends the daemon gracefully (exit 0, result success) well within TimeoutStopSec=.</summary>
    public static async Task AssertGracefulStopAsync(PackagedSystem system, DaemonPackage package)
    {
        var clock = Stopwatch.StartNew();
        await system.RunCheckedAsync("systemctl", "stop", package.Unit);
        var took = clock.Elapsed;

        var shown = await system.ShowAsync(package.Unit, "ActiveState", "Result", "ExecMainStatus", "ExecMainCode");
        Assert.Equal("inactive", shown["ActiveState"]);
        Assert.Equal("success", shown["Result"]);
        Assert.Equal("0", shown["ExecMainStatus"]);
        // TimeoutStopSec= is 60 s (hostd) and 30 s (guestd); a graceful stop takes a few seconds.
        Assert.True(took < TimeSpan.FromSeconds(20), $"systemctl stop took {took.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Upgrade to a newer build keeps the edited configuration file (the new default goes beside it as
    /// .dpkg-dist); remove keeps configuration and state; purge removes /etc/jumpstart and /var/lib/jumpstart;
    /// installing again works.
    /// </summary>
    public static async Task AssertUpgradeRemovePurgeReinstallAsync(PackagedSystem system, DaemonPackage package, string edited, Func<Task> editedInEffect)
    {
        await system.WriteFileAsync(package.ConfigFile, edited);
        await system.RunCheckedAsync("install", "-D", "-m", "0600", "/dev/null", package.StateMarker);
        var newer = await NewerBuild.MakeAsync(system, package.Deb(system.Packages));

        await system.AptInstallAsync(newer.Path);
        Assert.Equal(newer.Version, (await system.RunCheckedAsync("dpkg-query", "-W", "-f", "${Version}", package.Name)).Trim());
        Assert.Equal(edited, await system.ReadFileAsync(package.ConfigFile));
        Assert.True(await system.ExistsAsync(package.ConfigFile + ".dpkg-dist"), "the new default was not put beside the edited file");
        await system.WaitActiveAsync(package.Unit, Step);
        await editedInEffect();

        await system.RunCheckedAsync("apt-get", "remove", "-y", "-q", package.Name);
        Assert.False(await system.ExistsAsync(package.Payload), "remove left the program");
        Assert.Equal("inactive", (await system.RunAsync("systemctl", "is-active", package.Unit)).StandardOutput.Trim());
        Assert.Equal(edited, await system.ReadFileAsync(package.ConfigFile));
        Assert.True(await system.ExistsAsync(package.StateMarker), "remove deleted the state");

        await system.RunCheckedAsync("apt-get", "purge", "-y", "-q", package.Name);
        Assert.False(await system.ExistsAsync("/etc/jumpstart"), "purge left /etc/jumpstart");
        Assert.False(await system.ExistsAsync("/var/lib/jumpstart"), "purge left /var/lib/jumpstart");

        await InstallAndWaitAsync(system, package);
        var shipped = await File.ReadAllTextAsync(Support.BuiltPrograms.RepositoryFile($"packaging/config/{Path.GetFileName(package.ConfigFile)}"));
        Assert.Equal(shipped, await system.ReadFileAsync(package.ConfigFile));
    }

    /// <summary>systemd's debug log shows a RELOADING=1 and, after it, a READY=1 from the daemon.</summary>
    private static bool ReadyAfterReloading(string managerLog, string notified)
    {
        var lines = managerLog.Split('\n').Where(l => l.Contains(notified, StringComparison.Ordinal)).ToList();
        var reloading = lines.FindIndex(l => l.Contains("RELOADING=1", StringComparison.Ordinal));
        return reloading >= 0 && lines.Skip(reloading + 1).Any(l => l.Contains("READY=1", StringComparison.Ordinal));
    }

    public static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
