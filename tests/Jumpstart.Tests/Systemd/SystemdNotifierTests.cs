using System.Globalization;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>The notifier in-process against a real unix datagram socket (path and abstract).</summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task NotifyReady_ToAPathSocket_ArrivesAsOneDatagram()
    {
        using var dir = new TempDirectory("notify");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        using var notifier = new SystemdNotifier(listener.Address);

        Assert.True(notifier.IsEnabled);
        Assert.True(notifier.NotifyReady("all good"));

        var message = await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_timeout);
        Assert.Equal("all good", message.Get(SystemdNotifyMessage.StatusKey));
    }

    [Fact]
    public async Task NotifyReloading_ToAnAbstractSocket_CarriesTheMonotonicClock()
    {
        using var listener = NotifyListener.Abstract();
        using var notifier = new SystemdNotifier(listener.Address);
        var before = SystemdNotifier.MonotonicMicroseconds();

        Assert.True(notifier.NotifyReloading());

        var message = await listener.WaitForAsync(SystemdNotifyMessage.ReloadingKey, "1", s_timeout);
        var usec = long.Parse(message.Get(SystemdNotifyMessage.MonotonicUsecKey)!, CultureInfo.InvariantCulture);
        Assert.InRange(usec, before, SystemdNotifier.MonotonicMicroseconds());
    }

    [Fact]
    public void MonotonicMicroseconds_MatchesTheKernelsMonotonicClock()
    {
        // /proc/uptime is CLOCK_BOOTTIME, which only runs ahead of CLOCK_MONOTONIC by time spent
        // suspended; a container never suspends, so the two agree to well within a second.
        var uptimeSeconds = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        var monotonicSeconds = SystemdNotifier.MonotonicMicroseconds() / 1e6;

        Assert.InRange(uptimeSeconds - monotonicSeconds, -1.0, 5.0);
    }

    [Fact]
    public void Notify_WithoutNotifySocket_IsADisabledNoOp()
    {
        using var notifier = new SystemdNotifier(null);

        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.NotifyReady());
        Assert.False(notifier.NotifyWatchdog());
    }

    [Fact]
    public void Notify_WithUnusableNotifySocket_IsDisabledInsteadOfThrowing()
    {
        using var notifier = new SystemdNotifier("vsock:2:99");

        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.NotifyStopping());
    }

    [Fact]
    public void Notify_WhenTheManagerIsGone_ReturnsFalseAndKeepsRunning()
    {
        using var dir = new TempDirectory("notify");
        using var notifier = new SystemdNotifier(dir.Combine("nobody-listens"));

        Assert.True(notifier.IsEnabled);
        Assert.False(notifier.NotifyStatus("anyone?"));
        Assert.False(notifier.NotifyStatus("still nobody"));
    }

    [Fact]
    public async Task ServiceStatus_Set_SendsOnlyChanges()
    {
        using var dir = new TempDirectory("notify");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        using var notifier = new SystemdNotifier(listener.Address);
        var status = new ServiceStatus(notifier);

        status.Set("one");
        status.Set("one");
        status.Set("two\nlines");
        await listener.WaitForAsync(m => m.Get(SystemdNotifyMessage.StatusKey) == "two lines", s_timeout, "STATUS=two lines");

        Assert.Equal(["one", "two lines"], listener.History.Select(m => m.Get(SystemdNotifyMessage.StatusKey)));
        Assert.Equal("two lines", status.Current);
    }
}
