using Jumpstart.Guestd.Identity;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.DBus;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.DBus;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.DBus;

/// <summary>
/// hostd's <c>org.jumpstart.Hostd1</c> on a private dbus-daemon shaped like the system bus, with the
/// shipped policy file, and systemd's busctl and GLib's gdbus as the peers that read it.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.DBus)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostdBusTests : IDisposable
{
    private readonly List<NotifyListener> _listeners = [];

    private static readonly TimeSpan s_step = TimeSpan.FromSeconds(30);

    private const string Nobody = "65534";

    [ToolFact("dbus-daemon", "gdbus", "busctl", "qemu-system-x86_64")]
    public async Task StartingAndStoppingAVm_IsSignalledAndListed_ToBusPeers()
    {
        using var dir = new TempDirectory("dbus-vm");
        await using var bus = await PrivateBus.StartAsync(dir);
        var hostdOptions = new HostdOptions { NodeName = "hv-bus", StateDirectory = dir.Combine("state"), RuntimeDirectory = dir.Combine("run") };
        await using var vms = new VmHost(Options.Create(hostdOptions), Options.Create(new VmOptions { Accelerator = "tcg" }), NullLoggerFactory.Instance);
        await vms.StartAsync(CancellationToken.None);
        await using var hostdBus = new HostdBus(Options.Create(new HostdBusOptions { SystemBusAddress = bus.Address }), Monitor(hostdOptions), vms, NullLogger<HostdBus>.Instance);
        await hostdBus.StartAsync(CancellationToken.None);
        await using var signals = WatchedProcess.Start("gdbus", "monitor", "--address", bus.Address, "--dest", HostdObject.BusName, "--object-path", HostdObject.ObjectPath);
        await signals.WaitForLineAsync(l => l.Contains("is owned by", StringComparison.Ordinal), s_step, "gdbus monitor subscribed");

        var vm = await vms.Services.Supervisor.StartAsync(
            new VmLaunch { Name = "bus-vm", Spec = new VmSpec { MemoryMiB = 64, Cdrom = new VmCdromSpec() } }, CancellationToken.None);
        await signals.WaitForLineAsync(l => l.Contains("VmStateChanged ('bus-vm', 'alive')", StringComparison.Ordinal), s_step, "the alive signal");
        var listed = await BusctlAsync(bus, "call", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.ListVmsMethod);
        await vms.Services.Supervisor.StopAsync("bus-vm", removeFiles: true, CancellationToken.None);
        await signals.WaitForLineAsync(l => l.Contains("VmStateChanged ('bus-vm', 'stopped')", StringComparison.Ordinal), s_step, "the stopped signal");
        var after = await BusctlAsync(bus, "call", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.ListVmsMethod);
        var victim = await vms.Services.Supervisor.StartAsync(
            new VmLaunch { Name = "bus-victim", Spec = new VmSpec { MemoryMiB = 64, Cdrom = new VmCdromSpec() } }, CancellationToken.None);
        VmProcess.Kill(victim.Pid);
        await signals.WaitForLineAsync(l => l.Contains("VmStateChanged ('bus-victim', 'dead')", StringComparison.Ordinal), s_step, "the dead signal");
        var dead = await BusctlAsync(bus, "call", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.ListVmsMethod);

        Assert.Equal($"a(sssu) 1 \"bus-vm\" \"alive\" \"clone\" {vm.Pid}", listed.Trim());
        Assert.Equal("a(sssu) 0", after.Trim());
        Assert.Equal($"a(sssu) 1 \"bus-victim\" \"dead\" \"clone\" {victim.Pid}", dead.Trim());
        Assert.False(hostdBus.RegistersMachines, "this bus has no machined");
    }

    [ToolFact("dbus-daemon", "gdbus", "busctl", "setpriv", NeedsRoot = true)]
    public async Task TheDaemon_PublishesReadOnlyProperties_ThatAnyUserMayRead_AndNobodyMaySet()
    {
        using var dir = new TempDirectory("dbus-hostd");
        await using var bus = await PrivateBus.StartAsync(dir);
        await using var hostd = await StartHostdAsync(dir, bus.Address, "hv-daemon");

        var name = await BusctlAsync(bus, "get-property", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.NodeNameProperty);
        var all = await RunAsync("gdbus", "call", "--address", bus.Address, "--dest", HostdObject.BusName, "--object-path", HostdObject.ObjectPath,
            "--method", "org.freedesktop.DBus.Properties.GetAll", HostdObject.Interface);
        var xml = await RunAsync("gdbus", "introspect", "--address", bus.Address, "--dest", HostdObject.BusName, "--object-path", HostdObject.ObjectPath, "--xml");
        var asNobody = await RunAsNobodyAsync(bus, "call", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.ListVmsMethod);
        var setByRoot = await ProcessRunner.RunAsync(Requirements.RequireTool("busctl"), Busctl(bus, "set-property", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.NodeNameProperty, "s", "renamed"), Bounded);
        var setByNobody = await RunAsNobodyAsync(bus, "set-property", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.NodeNameProperty, "s", "renamed");

        Assert.Equal("s \"hv-daemon\"", name.Trim());
        Assert.Equal($"({{'Version': <'{HostdBus.Version}'>, 'NodeName': <'hv-daemon'>}},)", all.Trim());
        Assert.Contains("<method name=\"ListVms\">", xml, StringComparison.Ordinal);
        Assert.Contains("<signal name=\"VmStateChanged\">", xml, StringComparison.Ordinal);
        Assert.Contains("<property name=\"NodeName\" type=\"s\" access=\"read\"/>", xml, StringComparison.Ordinal);
        Assert.True(asNobody.Succeeded, asNobody.StandardError);
        Assert.Equal("a(sssu) 0", asNobody.StandardOutput.Trim());
        Assert.False(setByRoot.Succeeded);
        Assert.Contains("read-only", setByRoot.StandardError, StringComparison.Ordinal);
        Assert.False(setByNobody.Succeeded);
        Assert.Contains("Access denied", setByNobody.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("dbus-daemon", "busctl")]
    public async Task WithDBusDisabled_HostdStaysOffABusThatIsThere()
    {
        using var dir = new TempDirectory("dbus-off");
        await using var bus = await PrivateBus.StartAsync(dir);
        await using var hostd = await StartHostdAsync(dir, bus.Address, "hv-off", """, "DBus": { "Enabled": false }""");

        var names = await BusctlAsync(bus, "list", "--acquired", "--no-legend");

        Assert.DoesNotContain(HostdObject.BusName, names, StringComparison.Ordinal);
        Assert.Single(hostd.StandardOutput, l => l.Contains("D-Bus: not used (DBus:Enabled is false)", StringComparison.Ordinal));
    }

    [ToolFact]
    public async Task WithoutASystemBus_HostdRunsAsBefore_AndSaysSoOnce()
    {
        using var dir = new TempDirectory("dbus-none");
        await using var hostd = await StartHostdAsync(dir, $"unix:path={dir.Combine("no-bus.sock")}", "hv-nobus");

        var stopped = await hostd.StopAsync();

        Assert.Equal(0, stopped.ExitCode);
        Assert.Single(hostd.StandardOutput, l => l.Contains("D-Bus: not used", StringComparison.Ordinal));
        Assert.DoesNotContain(hostd.StandardOutput, l => l.Contains("machined", StringComparison.Ordinal) && !l.Contains("not used", StringComparison.Ordinal));
    }

    [ToolFact("dbus-daemon")]
    public async Task Hostnamed_AbsentFromTheBus_LeavesTheNameToSethostname()
    {
        using var dir = new TempDirectory("dbus-hostname");
        await using var bus = await PrivateBus.StartAsync(dir);

        Assert.False(await new Hostnamed(bus.Address).TrySetAsync("not-set", CancellationToken.None));
        Assert.False(await new Hostnamed($"unix:path={dir.Combine("no-bus.sock")}").TrySetAsync("not-set", CancellationToken.None));
    }

    [ToolFact("dbus-daemon", "dbus-test-tool", "busctl")]
    public async Task Hostnamed_ThatNeverAnswers_IsATransientNoReplyAfterTheCallBound()
    {
        using var dir = new TempDirectory("dbus-silent");
        await using var bus = await PrivateBus.StartAsync(dir, """
            <policy user="root">
              <allow own="org.freedesktop.hostname1"/>
              <allow send_destination="org.freedesktop.hostname1"/>
            </policy>
            """);

        // dbus-test-tool's black hole owns the name, reads every call and answers none.
        using var stop = new CancellationTokenSource();
        var silent = ProcessRunner.RunAsync(
            Requirements.RequireTool("dbus-test-tool"),
            ["black-hole", "--name=org.freedesktop.hostname1"],
            new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2), Environment = new Dictionary<string, string?> { ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address } },
            stop.Token);
        try
        {
            await Poll.UntilAsync(
                async _ => (await BusctlAsync(bus, "list", "--acquired", "--no-legend")).Contains(Hostnamed.BusName, StringComparison.Ordinal),
                PrivateBus.StartTimeout,
                "the black hole owns org.freedesktop.hostname1");

            var ex = await Assert.ThrowsAsync<DBusException>(() => new Hostnamed(bus.Address).TrySetAsync("never-set", CancellationToken.None));

            Assert.Equal(DBusErrorNames.NoReply, ex.ErrorName);
            Assert.True(ex.IsTransient);
            Assert.Contains("no reply within", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await silent.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public void SystemBusAddress_PrefersConfiguration_ThenTheEnvironment_ThenTheWellKnownSocket()
    {
        Assert.Equal("unix:path=/x", SystemBus.Address("unix:path=/x"));
        var fromEnvironment = Environment.GetEnvironmentVariable(SystemBus.AddressVariable);
        Assert.Equal(string.IsNullOrWhiteSpace(fromEnvironment) ? SystemBus.DefaultAddress : fromEnvironment, SystemBus.Address(null));
    }

    private static ProcessRunOptions Bounded => new() { Timeout = s_step };

    private static IOptionsMonitor<HostdOptions> Monitor(HostdOptions options)
        => new OptionsMonitor<HostdOptions>(
            new OptionsFactory<HostdOptions>([new ConfigureOptions<HostdOptions>(o => o.NodeName = options.NodeName)], []),
            [],
            new OptionsCache<HostdOptions>());

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }

    private async Task<HostdUnderTest> StartHostdAsync(TempDirectory dir, string busAddress, string nodeName, string moreSections = "")
    {
        var listener = NotifyListener.AtPath(dir.Combine("notify"));
        _listeners.Add(listener);
        var config = $$"""{ "Hostd": { "NodeName": "{{nodeName}}" }{{moreSections}} }""";
        var hostd = HostdUnderTest.Start(dir, config, listener, (SystemBus.AddressVariable, busAddress));
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        return hostd;
    }

    private static string[] Busctl(PrivateBus bus, params string[] arguments) => [$"--address={bus.Address}", .. arguments];

    private static async Task<string> BusctlAsync(PrivateBus bus, params string[] arguments)
        => (await Requirements.RunToolAsync("busctl", Busctl(bus, arguments), Bounded)).StandardOutput;

    private static async Task<string> RunAsync(string tool, params string[] arguments)
        => (await Requirements.RunToolAsync(tool, arguments, Bounded)).StandardOutput;

    private static Task<ProcessResult> RunAsNobodyAsync(PrivateBus bus, params string[] arguments)
        => ProcessRunner.RunAsync(
            Requirements.RequireTool("setpriv"),
            ["--reuid", Nobody, "--regid", Nobody, "--clear-groups", Requirements.RequireTool("busctl"), .. Busctl(bus, arguments)],
            Bounded);
}
