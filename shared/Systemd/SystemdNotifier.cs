using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Sends sd_notify messages to the service manager over the NOTIFY_SOCKET unix datagram socket.
/// Without NOTIFY_SOCKET every call is a cheap no-op, so daemons call it unconditionally.
/// </summary>
/// <remarks>
/// sd_notify(3): one datagram per state change, sent from the main process (the units use
/// NotifyAccess=main, systemd.service(5), so the sender's pid must be the one systemd started —
/// this class is used only in-process, never from a helper). A failed send is logged once and
/// never fails the daemon: losing the manager must not take the service down with it.
/// </remarks>
public sealed partial class SystemdNotifier : IDisposable
{
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Socket? _socket;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private bool _sendFailureLogged;

    /// <summary>Creates a notifier for <paramref name="notifySocket"/> (a NOTIFY_SOCKET value, or null for none).</summary>
    public SystemdNotifier(string? notifySocket, ILogger<SystemdNotifier>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (notifySocket is null)
        {
            return;
        }

        if (!NotifySocketAddress.TryParse(notifySocket, out var endPoint, out var error))
        {
            LogBadNotifySocket(_logger, error);
            return;
        }

        _endPoint = endPoint;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>True when a service manager listens (NOTIFY_SOCKET was usable).</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>Sends <paramref name="assignments"/> as one datagram; false when disabled or the send failed.</summary>
    public bool Notify(params IEnumerable<KeyValuePair<string, string>> assignments)
    {
        if (_socket is null || _endPoint is null)
        {
            return false;
        }

        var datagram = SystemdNotifyMessage.Encode(assignments);
        lock (_lock)
        {
            try
            {
                _socket.SendTo(datagram, SocketFlags.None, _endPoint);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (!_sendFailureLogged)
                {
                    _sendFailureLogged = true;
                    LogSendFailed(_logger, ex.Message);
                }

                return false;
            }
        }
    }

    /// <summary>READY=1, with the current status line when given.</summary>
    public bool NotifyReady(string? status = null)
        => status is null ? Notify(SystemdNotifyMessage.Ready) : Notify(SystemdNotifyMessage.Ready, SystemdNotifyMessage.Status(status));

    /// <summary>STOPPING=1.</summary>
    public bool NotifyStopping() => Notify(SystemdNotifyMessage.Stopping);

    /// <summary>STATUS=<paramref name="status"/>.</summary>
    public bool NotifyStatus(string status) => Notify(SystemdNotifyMessage.Status(status));

    /// <summary>WATCHDOG=1.</summary>
    public bool NotifyWatchdog() => Notify(SystemdNotifyMessage.Watchdog);

    /// <summary>RELOADING=1 with MONOTONIC_USEC= set to now.</summary>
    public bool NotifyReloading() => Notify(SystemdNotifyMessage.Reloading(MonotonicMicroseconds()));

    /// <summary>MAINPID=<paramref name="pid"/>: tell systemd a different process is now the main one.</summary>
    public bool NotifyMainPid(int pid) => Notify(SystemdNotifyMessage.MainPid(pid));

    /// <summary>CLOCK_MONOTONIC in microseconds, the clock MONOTONIC_USEC= is defined on.</summary>
    /// <remarks>On Linux <see cref="Stopwatch"/> reads clock_gettime(CLOCK_MONOTONIC).</remarks>
    public static long MonotonicMicroseconds()
        => (long)((Int128)Stopwatch.GetTimestamp() * 1_000_000 / Stopwatch.Frequency);

    public void Dispose() => _socket?.Dispose();

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "systemd notifications disabled: {Reason}")]
    private static partial void LogBadNotifySocket(ILogger logger, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "cannot notify systemd (further failures are not logged): {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string reason);
}
