using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// The sd_notify messages Microsoft.Extensions.Hosting.Systemd has no helper for — WATCHDOG=1,
/// RELOADING=1 with MONOTONIC_USEC=, STATUS=, and READY=1 again after a reload — sent through the
/// library's <see cref="ISystemdNotifier"/>. READY=1 at start and STOPPING=1 are the library's own
/// (its SystemdLifetime), which is handed this class as its notifier. Without a notifier every
/// call is a cheap no-op.
/// </summary>
/// <remarks>
/// The library's notifier opens a socket per message and throws when the manager is gone; this
/// class wraps it, catches that and logs it once, because losing the manager must not take the
/// service down (a watchdog ping that threw would stop the host, and the lifetime's READY=1 that
/// threw is logged as a critical start-up error). Messages are built by
/// <see cref="SystemdNotifyMessage"/>, which folds values to one line so untrusted STATUS text
/// cannot inject a second assignment (sd_notify(3)).
/// </remarks>
public sealed partial class SystemdNotifications : ISystemdNotifier
{
    private readonly ISystemdNotifier? _notifier;
    private readonly ILogger _logger;
    private int _sendFailureLogged;

    /// <summary>Sends through <paramref name="notifier"/>; null (or a disabled notifier) makes every call a no-op.</summary>
    public SystemdNotifications(ISystemdNotifier? notifier, ILogger<SystemdNotifications>? logger = null)
    {
        _notifier = notifier is { IsEnabled: true } ? notifier : null;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>True when a service manager listens.</summary>
    public bool IsEnabled => _notifier is not null;

    /// <summary>Sends <paramref name="assignments"/> as one message; false when disabled or the send failed.</summary>
    public bool Notify(params IEnumerable<KeyValuePair<string, string>> assignments)
    {
        if (_notifier is null)
        {
            return false;
        }

        return Send(SystemdNotifyMessage.ToServiceState(assignments));
    }

    /// <summary>The library's entry point (its lifetime's READY=1 and STOPPING=1): sent, never thrown.</summary>
    void ISystemdNotifier.Notify(ServiceState state) => Send(state);

    private bool Send(ServiceState state)
    {
        if (_notifier is null)
        {
            return false;
        }

        try
        {
            _notifier.Notify(state);
            return true;
        }
        catch (SocketException ex)
        {
            if (Interlocked.Exchange(ref _sendFailureLogged, 1) == 0)
            {
                LogSendFailed(_logger, ex.Message);
            }

            return false;
        }
    }

    /// <summary>READY=1 with the current status line: the end of a reload (systemd.service(5), Type=notify-reload).</summary>
    public bool NotifyReady(string status) => Notify(SystemdNotifyMessage.Ready, SystemdNotifyMessage.Status(status));

    /// <summary>STATUS=<paramref name="status"/>.</summary>
    public bool NotifyStatus(string status) => Notify(SystemdNotifyMessage.Status(status));

    /// <summary>WATCHDOG=1.</summary>
    public bool NotifyWatchdog() => Notify(SystemdNotifyMessage.Watchdog);

    /// <summary>RELOADING=1 with MONOTONIC_USEC= set to now.</summary>
    public bool NotifyReloading() => Notify(SystemdNotifyMessage.Reloading(MonotonicMicroseconds()));

    /// <summary>CLOCK_MONOTONIC in microseconds, the clock MONOTONIC_USEC= is defined on.</summary>
    /// <remarks>On Linux <see cref="Stopwatch"/> reads clock_gettime(CLOCK_MONOTONIC).</remarks>
    public static long MonotonicMicroseconds()
        => (long)((Int128)Stopwatch.GetTimestamp() * 1_000_000 / Stopwatch.Frequency);

    [LoggerMessage(EventId = LogEventIds.Systemd.NotifyFailed, Level = LogLevel.Warning, Message = "cannot notify systemd (further failures are not logged): {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string reason);
}
