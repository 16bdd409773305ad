namespace Jumpstart.Shared.Systemd;

/// <summary>
/// The daemon's one-line status: kept here so READY=1 after a reload repeats it, and sent to
/// systemd as STATUS= (shown by <c>systemctl status</c>) whenever it changes.
/// </summary>
/// <remarks>
/// Ours because Microsoft.Extensions.Hosting.Systemd has no STATUS helper; the line goes through
/// its ISystemdNotifier (see <see cref="SystemdNotifications"/>).
/// </remarks>
public sealed class ServiceStatus(SystemdNotifications notifier)
{
    private readonly Lock _lock = new();
    private string _current = "starting";

    /// <summary>The last status set (folded to one line).</summary>
    public string Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Sets the status and sends STATUS= when it changed.</summary>
    public void Set(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = SystemdNotifyMessage.FoldValue(text);
        lock (_lock)
        {
            if (string.Equals(folded, _current, StringComparison.Ordinal))
            {
                return;
            }

            _current = folded;
            // Sent under the lock so two racing updates reach systemd in the order they were made.
            notifier.NotifyStatus(folded);
        }
    }
}
