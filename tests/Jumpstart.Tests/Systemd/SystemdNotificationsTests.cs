using System.Globalization;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// Our notifications (STATUS, RELOADING, WATCHDOG, READY after reload) in-process, sent through the
/// library's notifier to a real unix datagram socket (path and abstract). The library's notifier
/// reads NOTIFY_SOCKET from the process environment when made, as in the daemon: set, captured by
/// <see cref="SystemdEnvironment.CaptureAndClear"/>, unset again, under one lock.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SystemdNotificationsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly Lock s_environmentLock = new();

    private static SystemdEnvironment Capture(string? notifySocket)
    {
        lock (s_environmentLock)
        {
            var previous = Environment.GetEnvironmentVariable(SystemdEnvironment.NotifySocketVariable);
            Environment.SetEnvironmentVariable(SystemdEnvironment.NotifySocketVariable, notifySocket);
            try
            {
                return SystemdEnvironment.CaptureAndClear();
            }
            finally
            {
                Environment.SetEnvironmentVariable(SystemdEnvironment.NotifySocketVariable, previous);
            }
        }
    }

    [Fact]
    public async Task NotifyReady_ToAPathSocket_ArrivesAsOneDatagram()
    {
        using var dir = new TempDirectory("notify");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var notifications = new SystemdNotifications(Capture(listener.Address).Notifier);

        Assert.True(notifications.IsEnabled);
        Assert.True(notifications.NotifyReady("all good"));

        var message = await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", s_timeout);
        Assert.Equal("all good", message.Get(SystemdNotifyMessage.StatusKey));
    }

    [Fact]
    public async Task NotifyReloading_ToAnAbstractSocket_CarriesTheMonotonicClock()
    {
        using var listener = NotifyListener.Abstract();
        var notifications = new SystemdNotifications(Capture(listener.Address).Notifier);
        var before = SystemdNotifications.MonotonicMicroseconds();

        Assert.True(notifications.NotifyReloading());

        var message = await listener.WaitForAsync(SystemdNotifyMessage.ReloadingKey, "1", s_timeout);
        var usec = long.Parse(message.Get(SystemdNotifyMessage.MonotonicUsecKey)!, CultureInfo.InvariantCulture);
        Assert.InRange(usec, before, SystemdNotifications.MonotonicMicroseconds());
    }

    [Fact]
    public void MonotonicMicroseconds_MatchesTheKernelsMonotonicClock()
    {
        // /proc/uptime is CLOCK_BOOTTIME, which only runs ahead of CLOCK_MONOTONIC by time spent
        // suspended; a container never suspends, so the two agree to well within a second.
        var uptimeSeconds = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        var monotonicSeconds = SystemdNotifications.MonotonicMicroseconds() / 1e6;

        Assert.InRange(uptimeSeconds - monotonicSeconds, -1.0, 5.0);
    }

    [Fact]
    public void Capture_WithoutNotifySocket_GivesNoNotifierAndNoOps()
    {
        var environment = Capture(null);
        var notifications = new SystemdNotifications(environment.Notifier);

        Assert.Null(environment.Notifier);
        Assert.False(notifications.IsEnabled);
        Assert.False(notifications.NotifyStatus("nobody"));
        Assert.False(notifications.NotifyWatchdog());
    }

    [Fact]
    public void Capture_WithUnusableNotifySocket_IsDisabledAndReportedInsteadOfThrowing()
    {
        var environment = Capture("vsock:2:99");
        var notifications = new SystemdNotifications(environment.Notifier);

        Assert.Null(environment.Notifier);
        Assert.Contains(environment.Problems, p => p.Contains("vsock", StringComparison.Ordinal));
        Assert.False(notifications.NotifyStatus("anyone?"));
    }

    [Fact]
    public void Notify_WhenTheManagerIsGone_ReturnsFalseAndKeepsRunning()
    {
        using var dir = new TempDirectory("notify");
        var notifications = new SystemdNotifications(Capture(dir.Combine("nobody-listens")).Notifier);

        Assert.True(notifications.IsEnabled);
        Assert.False(notifications.NotifyStatus("anyone?"));
        Assert.False(notifications.NotifyWatchdog());
    }

    [Fact]
    public async Task ServiceStatus_Set_SendsOnlyChanges()
    {
        using var dir = new TempDirectory("notify");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var status = new ServiceStatus(new SystemdNotifications(Capture(listener.Address).Notifier));

        status.Set("one");
        status.Set("one");
        status.Set("two\nlines");
        await listener.WaitForAsync(m => m.Get(SystemdNotifyMessage.StatusKey) == "two lines", s_timeout, "STATUS=two lines");

        Assert.Equal(["one", "two lines"], listener.History.Select(m => m.Get(SystemdNotifyMessage.StatusKey)));
        Assert.Equal("two lines", status.Current);
    }
}
