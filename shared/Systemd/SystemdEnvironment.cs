using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// What systemd told this process through its environment: where to send notifications, the
/// watchdog interval, whether stdout goes to the journal, and which sockets it passed.
/// </summary>
/// <remarks>
/// Variables and their rules: sd_notify(3) (NOTIFY_SOCKET), sd_watchdog_enabled(3) (WATCHDOG_USEC,
/// WATCHDOG_PID: the watchdog is ours only if WATCHDOG_PID is unset or our pid),
/// sd_listen_fds(3) (LISTEN_PID must be our pid, LISTEN_FDS descriptors from fd 3, LISTEN_FDNAMES
/// colon-separated and exactly as many as LISTEN_FDS), systemd.exec(5) (JOURNAL_STREAM,
/// INVOCATION_ID). <see cref="CaptureAndClear"/> then unsets them, as sd_listen_fds(unset=1) and
/// sd_notify(unset=1) do, so a child process (qemu, a user's script) never believes the variables
/// are meant for it.
/// </remarks>
public sealed record SystemdEnvironment
{
    /// <summary>SD_LISTEN_FDS_START: the first passed descriptor.</summary>
    public const int ListenFdsStart = 3;

    /// <summary>Upper bound on LISTEN_FDS; a larger count is treated as garbage, not trusted.</summary>
    public const int MaxListenFds = 4096;

    /// <summary>Name sd_listen_fds_with_names(3) reports for a descriptor without a name.</summary>
    public const string UnknownFdName = "unknown";

    public const string NotifySocketVariable = "NOTIFY_SOCKET";
    public const string WatchdogUsecVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";
    public const string ListenPidVariable = "LISTEN_PID";
    public const string ListenFdsVariable = "LISTEN_FDS";
    public const string ListenFdNamesVariable = "LISTEN_FDNAMES";
    public const string JournalStreamVariable = "JOURNAL_STREAM";
    public const string InvocationIdVariable = "INVOCATION_ID";

    private static readonly string[] s_consumedVariables =
    [
        NotifySocketVariable, WatchdogUsecVariable, WatchdogPidVariable, ListenPidVariable, ListenFdsVariable, ListenFdNamesVariable,
    ];

    /// <summary>No systemd around (a plain terminal or a test).</summary>
    public static SystemdEnvironment None { get; } = new();

    /// <summary>The NOTIFY_SOCKET value, or null when nobody listens for notifications (or the value was unusable).</summary>
    public string? NotifySocket { get; init; }

    /// <summary>
    /// The library's notifier (Microsoft.Extensions.Hosting.Systemd), made by <see cref="CaptureAndClear"/>
    /// while NOTIFY_SOCKET was still set, because it reads the variable when constructed. Null when
    /// no usable NOTIFY_SOCKET was given; then the host keeps the console lifetime.
    /// </summary>
    public ISystemdNotifier? Notifier { get; init; }

    /// <summary>WATCHDOG_USEC when the watchdog applies to this process; null otherwise.</summary>
    public TimeSpan? WatchdogInterval { get; init; }

    /// <summary>True when started by systemd (JOURNAL_STREAM or INVOCATION_ID is set): log for the journal.</summary>
    public bool IsUnderSystemd { get; init; }

    /// <summary>Descriptors passed for socket activation, in order.</summary>
    public IReadOnlyList<PassedDescriptor> ListenFds { get; init; } = [];

    /// <summary>Variables that were present but malformed, to be logged once logging exists.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Reads the process environment and then unsets the variables meant only for this process.</summary>
    public static SystemdEnvironment CaptureAndClear()
    {
        var captured = FromVariables(Environment.GetEnvironmentVariable, Environment.ProcessId);

        // The library's notifier reads NOTIFY_SOCKET once, in its constructor: make it now, before
        // the variable is unset, and only for a value our own parser accepted.
        var notifier = captured.NotifySocket is null ? null : new SystemdNotifier();
        foreach (var name in s_consumedVariables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        return captured with { Notifier = notifier };
    }

    /// <summary>Interprets the variables <paramref name="lookup"/> returns as seen by process <paramref name="processId"/>.</summary>
    public static SystemdEnvironment FromVariables(Func<string, string?> lookup, int processId)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var problems = new List<string>();

        var notifySocket = lookup(NotifySocketVariable);
        if (!string.IsNullOrEmpty(notifySocket) && !NotifySocketAddress.TryParse(notifySocket, out _, out var notifyError))
        {
            // The library would throw on such a value at every send; decide here, once, that nobody listens.
            problems.Add($"systemd notifications disabled: {notifyError}");
            notifySocket = null;
        }

        return new SystemdEnvironment
        {
            NotifySocket = string.IsNullOrEmpty(notifySocket) ? null : notifySocket,
            WatchdogInterval = ParseWatchdog(lookup, processId, problems),
            IsUnderSystemd = !string.IsNullOrEmpty(lookup(JournalStreamVariable)) || !string.IsNullOrEmpty(lookup(InvocationIdVariable)),
            ListenFds = ParseListenFds(lookup, processId, problems),
            Problems = problems,
        };
    }

    private static TimeSpan? ParseWatchdog(Func<string, string?> lookup, int processId, List<string> problems)
    {
        var usecText = lookup(WatchdogUsecVariable);
        if (string.IsNullOrEmpty(usecText))
        {
            return null;
        }

        if (!long.TryParse(usecText, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            problems.Add($"{WatchdogUsecVariable}='{usecText}' is not a positive number of microseconds; watchdog disabled");
            return null;
        }

        var pidText = lookup(WatchdogPidVariable);
        if (!string.IsNullOrEmpty(pidText) && !IsOurPid(pidText, processId))
        {
            // The watchdog belongs to another process of the service (sd_watchdog_enabled(3)).
            return null;
        }

        return TimeSpan.FromMicroseconds(usec);
    }

    private static PassedDescriptor[] ParseListenFds(Func<string, string?> lookup, int processId, List<string> problems)
    {
        var pidText = lookup(ListenPidVariable);
        var countText = lookup(ListenFdsVariable);
        if (string.IsNullOrEmpty(pidText) || string.IsNullOrEmpty(countText))
        {
            return [];
        }

        if (!IsOurPid(pidText, processId))
        {
            // Inherited from a parent that was socket-activated: not ours, touch nothing.
            return [];
        }

        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxListenFds)
        {
            problems.Add($"{ListenFdsVariable}='{countText}' is not a count between 0 and {MaxListenFds}; no sockets taken");
            return [];
        }

        var names = lookup(ListenFdNamesVariable)?.Split(':');
        if (names is not null && names.Length != count)
        {
            problems.Add($"{ListenFdNamesVariable} lists {names.Length} names for {count} descriptors; names ignored");
            names = null;
        }

        var result = new PassedDescriptor[count];
        for (var i = 0; i < count; i++)
        {
            var name = names?[i];
            result[i] = new PassedDescriptor(ListenFdsStart + i, string.IsNullOrEmpty(name) ? UnknownFdName : name);
        }

        return result;
    }

    private static bool IsOurPid(string text, int processId)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid == processId;
}
