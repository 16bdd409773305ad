using Jumpstart.Hostd.Qmp;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>The QMP client against a real QEMU idling in SeaBIOS.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class QmpClientTests
{
    private static readonly TimeSpan s_eventBound = TimeSpan.FromSeconds(10);

    [ToolFact("qemu-system-x86_64")]
    public async Task Greeting_CarriesTheQemuVersion_AndQueryStatusSaysRunning()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-greeting");

        Assert.True(vm.Qmp.Greeting.Major >= 7);
        var status = await vm.Qmp.QueryStatusAsync();
        Assert.Equal("running", status.Status);
        Assert.True(status.Running);
        Assert.Equal("qmp-greeting", await vm.Qmp.QueryNameAsync());
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task UnknownCommand_ThrowsCommandNotFound()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-unknown");

        var error = await Assert.ThrowsAsync<QmpCommandNotFoundException>(() => vm.Qmp.ExecuteAsync("no-such-command"));
        Assert.Equal(QmpErrorClasses.CommandNotFound, error.ErrorClass);
        Assert.Equal("no-such-command", error.Command);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task BadArguments_ThrowGenericError_AndTheConnectionStaysUsable()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-badargs");

        var error = await Assert.ThrowsAnyAsync<QmpCommandException>(() => vm.Qmp.ChangeMediumAsync("no-such-drive", "/nonexistent.iso"));
        Assert.Contains("no-such-drive", error.Description, StringComparison.Ordinal);
        Assert.Equal("running", (await vm.Qmp.QueryStatusAsync()).Status);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task StopAndCont_RaiseStopAndResumeEvents()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-events");
        using var events = vm.Qmp.Subscribe();

        await vm.Qmp.StopAsync();
        var stop = await events.WaitAsync(e => e.Name == QmpEvents.Stop, s_eventBound, "STOP", CancellationToken.None);
        Assert.Equal("paused", (await vm.Qmp.QueryStatusAsync()).Status);
        await vm.Qmp.ContinueAsync();
        var resume = await events.WaitAsync(e => e.Name == QmpEvents.Resume, s_eventBound, "RESUME", CancellationToken.None);

        Assert.True(resume.Timestamp >= stop.Timestamp);
        Assert.True(stop.Timestamp > DateTimeOffset.UnixEpoch);
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task Quit_RaisesShutdown_ThenCompletesTheClient()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-quit");
        var qmp = vm.Qmp;
        using var events = qmp.Subscribe();

        await qmp.QuitAsync();
        var shutdown = await events.WaitAsync(e => e.Name == QmpEvents.Shutdown, s_eventBound, "SHUTDOWN", CancellationToken.None);

        Assert.Equal("host-qmp-quit", shutdown.DataString("reason"));
        await qmp.Completion.WaitAsync(s_eventBound);
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => qmp.QueryStatusAsync());
    }

    [ToolFact("qemu-system-x86_64")]
    public async Task WaitingForAnEventThatNeverComes_TimesOut()
    {
        await using var bed = new VmTestBed();
        var vm = await bed.StartPlainAsync("qmp-noevent");
        using var events = vm.Qmp.Subscribe();

        var error = await Assert.ThrowsAsync<QmpTimeoutException>(
            () => events.WaitAsync(e => e.Name == QmpEvents.Shutdown, TimeSpan.FromMilliseconds(200), "SHUTDOWN", CancellationToken.None));
        Assert.Equal(TimeSpan.FromMilliseconds(200), error.Timeout);
    }
}
