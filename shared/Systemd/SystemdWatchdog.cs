using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>Pings the systemd watchdog (WATCHDOG=1) at half of WATCHDOG_USEC while the host runs.</summary>
/// <remarks>
/// Ours because Microsoft.Extensions.Hosting.Systemd has no watchdog; the pings go through its
/// ISystemdNotifier (see <see cref="SystemdNotifications"/>).
/// sd_watchdog_enabled(3): "it is recommended that a daemon sends a keep-alive notification message
/// to the service manager every half of the time returned here". The ping runs on the thread pool
/// from a timer, so a host whose thread pool is starved or deadlocked stops pinging and gets
/// restarted (WatchdogSec= with Restart=on-failure in the unit).
/// </remarks>
public sealed partial class SystemdWatchdog(SystemdEnvironment environment, SystemdNotifications notifier, ILogger<SystemdWatchdog> logger)
    : BackgroundService
{
    /// <summary>The interval between pings, or null when no watchdog applies.</summary>
    public TimeSpan? PingInterval => environment.WatchdogInterval is { } interval && notifier.IsEnabled ? interval / 2 : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (PingInterval is not { } interval)
        {
            return;
        }

        LogWatchdogEnabled(logger, environment.WatchdogInterval!.Value.TotalMilliseconds, interval.TotalMilliseconds);
        using var timer = new PeriodicTimer(interval);
        notifier.NotifyWatchdog();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                notifier.NotifyWatchdog();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host is stopping: no more pings; STOPPING=1 tells systemd not to expect them.
        }
    }

    [LoggerMessage(EventId = LogEventIds.Systemd.WatchdogEnabled, Level = LogLevel.Debug, Message = "systemd watchdog every {WatchdogMs} ms; pinging every {PingMs} ms")]
    private static partial void LogWatchdogEnabled(ILogger logger, double watchdogMs, double pingMs);
}
