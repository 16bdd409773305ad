using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// jumpstart-guest's .deb installed with apt into a Debian 12 container whose PID 1 is systemd, run by the
/// shipped (hardened) unit. The container has no CDROM: guestd watches its (absent) drives and waits.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
[Collection(PackagingCollection.Name)]
public sealed partial class GuestPackageLifecycleTests
{
    private const string Service = "jumpstart-guestd.service";
    private const string ReloadingLine = "reloading configuration (SIGHUP)";
    private const string ReloadedLine = "configuration reloaded";
    private static readonly DaemonPackage s_package = DaemonPackage.Guest;

    [PackageFact]
    public async Task Install_StartsTheDaemon_AndTheStatusLineShows()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-guest-install");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        var enabled = await system.RunCheckedAsync("systemctl", "is-enabled", Service);
        var status = (await system.ShowAsync(Service, "StatusText"))["StatusText"];
        var statusView = await system.RunAsync("systemctl", "status", "--no-pager", "--lines=0", Service);
        var host = await system.RunAsync("dpkg-query", "-W", "jumpstart-host");

        Assert.Equal("enabled", enabled.Trim());
        Assert.Equal("watching /dev/sr0, /dev/sr1", status);
        Assert.Contains($"Status: \"{status}\"", statusView.StandardOutput, StringComparison.Ordinal);
        Assert.False(host.Succeeded, "installing the guest package pulled in the host package");
        await Lifecycle.AssertShippedUnitAsync(system, Service);
    }

    [PackageFact]
    public async Task Reload_AppliesTheNewFile_ABrokenFileKeepsTheOld_AndTheJournalKeepsPriorities()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-guest-reload");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        var shipped = await system.ReadFileAsync(s_package.ConfigFile);

        // The change: log warnings and worse only. In effect, "configuration reloaded" (information, logged after the
        // new file is applied) is not logged; "reloading configuration" (logged before) is, once. The rejected reload
        // that follows must keep that level: its own "reloading configuration" is not logged.
        await Lifecycle.ReloadAsync(system, s_package, DaemonPackage.WithValue(shipped, "Logging:LogLevel:Default", "Warning"),
            inEffect: async () =>
            {
                var journal = await system.JournalAsync(Service);
                Assert.Equal(1, Occurrences(journal, ReloadingLine));
                Assert.Equal(0, Occurrences(journal, ReloadedLine));
            },
            previousStillInEffect: async () => Assert.Equal(1, Occurrences(await system.JournalAsync(Service), ReloadingLine)));

        await Lifecycle.AssertJournalPrioritiesAsync(system, s_package, ReloadingLine);
    }

    [PackageFact]
    public async Task Watchdog_RestartsADaemonStoppedWithSigstop_ThenStopIsGraceful()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-guest-watchdog");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        await Lifecycle.AssertWatchdogRestartsAsync(system, s_package);
        await Lifecycle.AssertGracefulStopAsync(system, s_package);
    }

    [PackageFact]
    public async Task Upgrade_KeepsTheEditedConfig_RemoveKeepsState_PurgeRemovesIt_ReinstallWorks()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-guest-upgrade");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        var edited = DaemonPackage.WithValue(await system.ReadFileAsync(s_package.ConfigFile), "Guestd:Devices", new JsonArray("/dev/sr7"));

        await Lifecycle.AssertUpgradeRemovePurgeReinstallAsync(system, s_package, edited,
            editedInEffect: () => system.RunUntilAsync(r => r.StandardOutput.Contains("StatusText=watching /dev/sr7\n", StringComparison.Ordinal), Lifecycle.Step, "systemctl", "show", Service, "-p", "StatusText"));
    }

    /// <summary>
    /// guestd's real job under the shipped sandbox: the container has no CDROM, so <c>jumpstart-guestd apply</c> runs
    /// as a oneshot unit made from the shipped unit (its [Service] hardening unchanged; only Type=, ExecStart= and what
    /// belongs to a daemon differ) and applies a metadata disc: hostname through hostnamed, a new machine-id.
    /// </summary>
    [PackageFact]
    public async Task Apply_UnderTheShippedSandbox_SetsTheHostnameAndANewMachineId()
    {
        const string Disc = "/srv/jumpstart-test/meta.iso";
        const string ApplyUnit = "jumpstart-guestd-apply.service";
        await using var system = await PackagedSystem.BootAsync("pkg-guest-apply");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        MetadataDisc.WriteFile(new CloneMetadata { InstanceId = "i-pkg", Hostname = "clone-pkg" }, system.Shared.Combine("meta.iso"));
        await system.RunCheckedAsync("install", "-D", "-m", "0644", system.Shared.Combine("meta.iso"), Disc);
        var machineIdBefore = await system.ReadFileAsync("/etc/machine-id");

        var shipped = await File.ReadAllTextAsync(BuiltPrograms.RepositoryFile($"packaging/systemd/{Service}"));
        var oneshot = DaemonOnly().Replace(shipped, string.Empty)
            .Replace("Type=notify\n", "Type=oneshot\n", StringComparison.Ordinal)
            .Replace("ExecStart=/usr/bin/jumpstart-guestd\n", $"ExecStart=/usr/bin/jumpstart-guestd apply --disc {Disc} --json\n", StringComparison.Ordinal);
        Assert.Contains("ProtectSystem=yes", oneshot, StringComparison.Ordinal);
        await system.WriteFileAsync($"/run/systemd/system/{ApplyUnit}", oneshot[..oneshot.IndexOf("[Install]", StringComparison.Ordinal)]);
        await system.RunCheckedAsync("systemctl", "daemon-reload");
        var applied = await system.RunAsync("systemctl", "start", ApplyUnit);
        var result = await system.ShowAsync(ApplyUnit, "Result", "ExecMainStatus");
        var status = await system.RunAsync("systemctl", "status", "--no-pager", "--lines=40", ApplyUnit);
        Assert.True(applied.Succeeded, $"{applied.StandardError}\n{status.StandardOutput}");
        // journald may file the last lines of a process that just ended a moment later. --merge: journalctl reads the
        // directory of the current machine-id, and the old one holds this boot's journal (the container has only this boot).
        var journal = (await system.RunUntilAsync(r => r.StandardOutput.Contains("\"kernelHostname\"", StringComparison.Ordinal), Lifecycle.Step,
            "journalctl", "--merge", "-u", ApplyUnit, "--no-pager", "-o", "cat")).StandardOutput;
        var hostname = await system.RunCheckedAsync("hostnamectl", "--static");
        var machineId = await system.ReadFileAsync("/etc/machine-id");

        Assert.Equal("success", result["Result"]);
        Assert.Equal("0", result["ExecMainStatus"]);
        Assert.Contains("set through systemd-hostnamed", journal, StringComparison.Ordinal);
        Assert.Equal("clone-pkg", hostname.Trim());
        Assert.NotEqual(machineIdBefore, machineId);
        Assert.Matches("^[0-9a-f]{32}\n$", machineId);
    }

    private static int Occurrences(string text, string line)
        => text.Split('\n').Count(l => l.Contains(line, StringComparison.Ordinal));

    /// <summary>The settings only a long-running daemon has (notify, reload, watchdog, restart).</summary>
    [GeneratedRegex(@"^(NotifyAccess|ExecReload|WatchdogSec|Restart|RestartSec|RestartPreventExitStatus|TimeoutAbortSec)=.*\n", RegexOptions.Multiline)]
    private static partial Regex DaemonOnly();
}
