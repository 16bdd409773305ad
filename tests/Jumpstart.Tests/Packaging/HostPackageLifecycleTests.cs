using System.Text.Json;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Vm;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// jumpstart-host's .deb installed with apt into a Debian 12 container whose PID 1 is systemd, run by the
/// shipped (hardened) units. The container has no /dev/kvm: hostd starts and serves without a VM, and the one
/// test that clones runs QEMU under TCG (SeaBIOS only, no guest OS), inside hostd's sandbox.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
[Collection(PackagingCollection.Name)]
public sealed class HostPackageLifecycleTests
{
    private const string Service = "jumpstart-hostd.service";
    private const string Socket = "jumpstart-hostd.socket";
    private const string Bridge = "jsbr0";
    private const string CloneName = "pkg-1";
    private static readonly DaemonPackage s_package = DaemonPackage.Host;

    [PackageFact]
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

    [PackageFact]
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

    [PackageFact]
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

    [PackageFact]
    public async Task Watchdog_RestartsADaemonStoppedWithSigstop_ThenStopIsGraceful()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-watchdog");
        await Lifecycle.InstallAndWaitAsync(system, s_package);

        await Lifecycle.AssertWatchdogRestartsAsync(system, s_package);
        var cli = await system.RunAsync("jumpstart", "status");
        Assert.True(cli.Succeeded, $"jumpstart status after the watchdog restart failed: {cli.StandardError}");

        await Lifecycle.AssertGracefulStopAsync(system, s_package);
    }

    [PackageFact]
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

    /// <summary>
    /// The decided fate of running clones (jumpstart-hostd(8), "Stop and running VMs"): a graceful stop of the unit
    /// leaves them running, each in its own machined scope outside the unit's cgroup, and the next start finds them.
    /// The template and clone are made by the packaged hostd under the hardened unit, so QEMU runs in its sandbox.
    /// </summary>
    [PackageFact("qemu-img")]
    public async Task Stop_LeavesARunningCloneRunningInItsMachineScope_AndTheNextStartFindsIt()
    {
        await using var system = await PackagedSystem.BootAsync("pkg-host-clones");
        await Lifecycle.InstallAndWaitAsync(system, s_package);
        var clone = await CloneOneAsync(system);
        var pid = clone.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var scope = await system.RunUntilAsync(r => r.StandardOutput.Contains("machine.slice", StringComparison.Ordinal), Lifecycle.Step, "cat", $"/proc/{pid}/cgroup");

        await Lifecycle.AssertGracefulStopAsync(system, s_package);
        var aliveAfterStop = await system.ExistsAsync($"/proc/{pid}");
        await system.RunCheckedAsync("systemctl", "start", Service);
        var listed = JsonSerializer.Deserialize<VmInfo[]>(await system.RunCheckedAsync("jumpstart", "vm", "list", "--json"), JsonSerializerOptions.Web)!;
        await system.RunCheckedAsync("jumpstart", "vm", "stop", CloneName);
        var aliveAfterVmStop = await system.RunUntilAsync(r => !r.Succeeded, Lifecycle.Step, "test", "-d", $"/proc/{pid}");

        Assert.Contains(@"/machine.slice/machine-pkg\x2d1.scope", scope.StandardOutput, StringComparison.Ordinal);
        Assert.True(aliveAfterStop, $"QEMU {pid} died with the stopped unit");
        Assert.Contains(listed, v => v.Name == CloneName && v.Pid == clone.Pid && v.State == "alive");
        Assert.False(aliveAfterVmStop.Succeeded);
    }

    /// <summary>A SeaBIOS template (no OS: seconds under TCG) on a bridge, suspended into a bundle, and one clone of it.</summary>
    private static async Task<CloneResult> CloneOneAsync(PackagedSystem system)
    {
        // hostd has its own /tmp (PrivateTmp=), so the template's files go where it can read them.
        const string Files = "/srv/jumpstart-test";
        await File.WriteAllTextAsync(system.Shared.Combine("spec.json"), JsonSerializer.Serialize(VmTestBed.SeaBiosSpec(), VmSpecJson.Options));
        await QemuImg.CreateAsync(system.Shared.Combine("base.raw"), "raw", 1 << 20, CancellationToken.None);
        await system.RunCheckedAsync("install", "-D", "-m", "0644", "-t", Files, system.Shared.Combine("spec.json"), system.Shared.Combine("base.raw"));
        await system.RunCheckedAsync("ip", "link", "add", Bridge, "type", "bridge");
        await system.RunCheckedAsync("ip", "link", "set", Bridge, "up");
        var shipped = await system.ReadFileAsync(s_package.ConfigFile);
        var config = DaemonPackage.WithValue(DaemonPackage.WithValue(shipped, "Vm:Accelerator", "tcg"), "Vm:Bridge", Bridge);
        await system.WriteFileAsync(s_package.ConfigFile, config);
        await system.RunCheckedAsync("systemctl", "restart", Service);
        await system.WaitActiveAsync(Service, Lifecycle.Step);

        await system.RunCheckedAsync("jumpstart", "template", "create", "pkg-base", "--spec", $"{Files}/spec.json", "--base", $"root={Files}/base.raw:raw", "--json");
        var output = await system.RunCheckedAsync("jumpstart", "clone", "--bundle", "pkg-base", "--count", "1", "--prefix", "pkg", "--address", "10.99.0.10/24", "--json");
        var clone = JsonSerializer.Deserialize<CloneReport>(output, JsonSerializerOptions.Web)!.Clones.Single();
        Assert.True(clone.Succeeded, clone.Error);
        return clone;
    }
}
