using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// jumpstart-host's .deb installed with apt into a Debian 12 container whose PID 1 is systemd, run by the
/// shipped (hardened) units. The container has no /dev/kvm: hostd starts and serves without running a VM.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
[Collection(PackagingCollection.Name)]
public sealed class HostPackageLifecycleTests
{
    private const string Service = "jumpstart-hostd.service";
    private const string Socket = "jumpstart-hostd.socket";
    private static readonly DaemonPackage s_package = DaemonPackage.Host;

    [ToolFact(PackagingCollection.Nspawn, PackagingCollection.Nsenter, PackagingCollection.Mmdebstrap, PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task Install_StartsSocketAndDaemon_StatusLineShows_AndJumpstartStatusAnswers()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-install");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        var enabled = await system.RunCheckedAsync("systemctl", "is-enabled", Service, Socket);
        var status = (await system.ShowAsync(Service, "StatusText"))["StatusText"];
        var statusView = await system.RunAsync("systemctl", "status", "--no-pager", "--lines=0", Service);
        var cli = await system.RunAsync("jumpstart", "status");
        var completion = await system.RunCheckedAsync("bash", "-c",
            "source /usr/share/bash-completion/completions/jumpstart; COMP_LINE='jumpstart vm st'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(jumpstart vm st); COMP_CWORD=2; _jumpstart; echo \"${COMPREPLY[*]}\"");

        Assert.Equal(["enabled", "enabled"], enabled.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("node ", status, StringComparison.Ordinal);
        Assert.Contains("control /run/jumpstart/hostd.sock (socket-activated)", status, StringComparison.Ordinal);
        Assert.Contains($"Status: \"{status}\"", statusView.StandardOutput, StringComparison.Ordinal);
        Assert.True(cli.Succeeded, $"jumpstart status failed ({cli.ExitCode}): {cli.StandardError}{cli.StandardOutput}");
        Assert.Equal("stop", completion.Trim());
        await Lifecycle.AssertShippedUnitAsync(system, Service);
        await Lifecycle.AssertShippedUnitAsync(system, Socket);
    }

    [ToolFact(PackagingCollection.Nspawn, PackagingCollection.Nsenter, PackagingCollection.Mmdebstrap, PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task SocketActivation_FirstConnectionStartsTheDaemon_AndWithTheSocketUnitMaskedItBindsItself()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-socket");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        await system.RunCheckedAsync("systemctl", "stop", Service);
        var stoppedState = (await system.RunAsync("systemctl", "is-active", Service)).StandardOutput.Trim();
        var socketState = (await system.RunAsync("systemctl", "is-active", Socket)).StandardOutput.Trim();
        var cli = await system.RunAsync("jumpstart", "status");
        var activated = (await system.ShowAsync(Service, "ActiveState", "TriggeredBy"));

        // The service wants its socket; masked, the socket stays away and hostd binds the path itself.
        await system.RunCheckedAsync("systemctl", "stop", Socket, Service);
        await system.RunCheckedAsync("systemctl", "mask", "--runtime", Socket);
        await system.RunCheckedAsync("systemctl", "start", Service);
        var bound = (await system.ShowAsync(Service, "StatusText"))["StatusText"];
        var cliBound = await system.RunAsync("jumpstart", "status");
        var journal = await system.JournalAsync(Service);

        Assert.Equal("inactive", stoppedState);
        Assert.Equal("active", socketState);
        Assert.True(cli.Succeeded, $"jumpstart status through the socket unit failed ({cli.ExitCode}): {cli.StandardError}");
        Assert.Equal("active", activated["ActiveState"]);
        Assert.Contains(Socket, activated["TriggeredBy"], StringComparison.Ordinal);
        Assert.Contains("control /run/jumpstart/hostd.sock,", bound, StringComparison.Ordinal);
        Assert.DoesNotContain("socket-activated", bound, StringComparison.Ordinal);
        Assert.True(cliBound.Succeeded, $"jumpstart status on hostd's own socket failed ({cliBound.ExitCode}): {cliBound.StandardError}");
        Assert.Contains("control socket /run/jumpstart/hostd.sock passed by systemd", journal, StringComparison.Ordinal);
        Assert.Contains("control socket /run/jumpstart/hostd.sock bound (mode 0660)", journal, StringComparison.Ordinal);
    }

    [ToolFact(PackagingCollection.Nspawn, PackagingCollection.Nsenter, PackagingCollection.Mmdebstrap, PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task Reload_AppliesTheNewFile_ABrokenFileKeepsTheOld_AndTheJournalKeepsPriorities()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-reload");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        var shipped = await system.ReadFileAsync(s_package.ConfigFile);

        await Lifecycle.ReloadAsync(system, s_package, DaemonPackage.WithValue(shipped, "Hostd:NodeName", "reloaded-node"),
            inEffect: () => system.RunUntilAsync(r => r.StandardOutput.Contains("StatusText=node reloaded-node:", StringComparison.Ordinal), Lifecycle.Step, "systemctl", "show", Service, "-p", "StatusText"),
            previousStillInEffect: async () => Assert.Contains("s \"reloaded-node\"", await system.RunCheckedAsync("busctl", "get-property", "org.jumpstart.Hostd1", "/org/jumpstart/Hostd1", "org.jumpstart.Hostd1", "NodeName"), StringComparison.Ordinal));
        var cli = await system.RunAsync("jumpstart", "status");
        Assert.True(cli.Succeeded, $"jumpstart status after a rejected reload failed: {cli.StandardError}");

        await Lifecycle.AssertJournalPrioritiesAsync(system, s_package, "control socket /run/jumpstart/hostd.sock passed by systemd");
    }

    [ToolFact(PackagingCollection.Nspawn, PackagingCollection.Nsenter, PackagingCollection.Mmdebstrap, PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task Watchdog_RestartsADaemonStoppedWithSigstop_ThenStopIsGraceful()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-watchdog");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        await Lifecycle.AssertWatchdogRestartsAsync(system, s_package);
        var cli = await system.RunAsync("jumpstart", "status");
        Assert.True(cli.Succeeded, $"jumpstart status after the watchdog restart failed: {cli.StandardError}");

        await Lifecycle.AssertGracefulStopAsync(system, s_package);
    }

    [ToolFact(PackagingCollection.Nspawn, PackagingCollection.Nsenter, PackagingCollection.Mmdebstrap, PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task Upgrade_KeepsTheEditedConfig_RemoveKeepsState_PurgeRemovesIt_ReinstallWorks()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-upgrade");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        var edited = DaemonPackage.WithValue(await system.ReadFileAsync(s_package.ConfigFile), "Hostd:NodeName", "edited-node");

        await Lifecycle.AssertUpgradeRemovePurgeReinstallAsync(system, s_package, edited,
            editedInEffect: () => system.RunUntilAsync(r => r.StandardOutput.Contains("StatusText=node edited-node:", StringComparison.Ordinal), Lifecycle.Step, "systemctl", "show", Service, "-p", "StatusText"));

        var cli = await system.RunAsync("jumpstart", "status");
        Assert.True(cli.Succeeded, $"jumpstart status after reinstalling failed: {cli.StandardError}");
    }
}
