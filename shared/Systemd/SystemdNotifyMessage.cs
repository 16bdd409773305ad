using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting.Systemd;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Encodes sd_notify state assignments into the single datagram systemd expects.
/// </summary>
/// <remarks>
/// sd_notify(3), "Description": the state is "a newline-separated list of variable assignments"
/// sent as one datagram; "Well-known assignments" lists READY=1, RELOADING=1, STOPPING=1, STATUS=,
/// MAINPID=, WATCHDOG=1 and MONOTONIC_USEC= (the latter required with RELOADING=1 by
/// Type=notify-reload, systemd.service(5)). A value is one line: a newline inside it would start a
/// new assignment, so untrusted text (a STATUS taken from configuration) is folded to one line here
/// and can never inject a second assignment such as MAINPID=.
/// </remarks>
public static class SystemdNotifyMessage
{
    /// <summary>Upper bound on one value; longer STATUS text is cut (systemd shows one line anyway).</summary>
    public const int MaxValueLength = 4096;

    public const string ReadyKey = "READY";
    public const string ReloadingKey = "RELOADING";
    public const string StoppingKey = "STOPPING";
    public const string StatusKey = "STATUS";
    public const string WatchdogKey = "WATCHDOG";
    public const string MainPidKey = "MAINPID";
    public const string MonotonicUsecKey = "MONOTONIC_USEC";

    /// <summary>The daemon finished starting (or reloading).</summary>
    public static KeyValuePair<string, string> Ready { get; } = new(ReadyKey, "1");

    /// <summary>The daemon begins shutting down.</summary>
    public static KeyValuePair<string, string> Stopping { get; } = new(StoppingKey, "1");

    /// <summary>Keep-alive ping for the service watchdog.</summary>
    public static KeyValuePair<string, string> Watchdog { get; } = new(WatchdogKey, "1");

    /// <summary>Free-form one-line status shown by <c>systemctl status</c>.</summary>
    public static KeyValuePair<string, string> Status(string text) => new(StatusKey, text);

    /// <summary>The service's main process id (only needed when it is not the process systemd started).</summary>
    public static KeyValuePair<string, string> MainPid(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        return new(MainPidKey, pid.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The assignments that announce a reload: RELOADING=1 and the CLOCK_MONOTONIC time it began.</summary>
    public static KeyValuePair<string, string>[] Reloading(long monotonicMicroseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monotonicMicroseconds);
        return
        [
            new(ReloadingKey, "1"),
            new(MonotonicUsecKey, monotonicMicroseconds.ToString(CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>Encodes assignments as "KEY=value\n..." in UTF-8 (what goes on the wire).</summary>
    /// <exception cref="ArgumentException">A key is empty or not made of A-Z, 0-9 and '_'.</exception>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>> assignments)
        => Encoding.UTF8.GetBytes(Format(assignments));

    /// <summary>The assignments as the library's <see cref="ServiceState"/>, to send through its notifier.</summary>
    /// <exception cref="ArgumentException">A key is empty or not made of A-Z, 0-9 and '_'.</exception>
    public static ServiceState ToServiceState(IEnumerable<KeyValuePair<string, string>> assignments)
        => new(Format(assignments));

    private static string Format(IEnumerable<KeyValuePair<string, string>> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var text = new StringBuilder();
        foreach (var (key, value) in assignments)
        {
            ValidateKey(key);
            text.Append(key).Append('=').Append(FoldValue(value)).Append('\n');
        }

        if (text.Length == 0)
        {
            throw new ArgumentException("a notification needs at least one assignment", nameof(assignments));
        }

        return text.ToString();
    }

    /// <summary>Decodes a datagram into its assignments (the receiving side, used by tests and tools).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> datagram)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var line in Encoding.UTF8.GetString(datagram).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            result.Add(equals < 0 ? new(line, string.Empty) : new(line[..equals], line[(equals + 1)..]));
        }

        return result;
    }

    /// <summary>Makes <paramref name="value"/> one bounded line: control characters become spaces.</summary>
    public static string FoldValue(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var length = Math.Min(value.Length, MaxValueLength);
        return string.Create(length, value, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c) ? ' ' : c;
            }
        });
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key) || !key.All(static c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"'{key}' is not a valid sd_notify variable name (A-Z, 0-9, '_')", nameof(key));
        }
    }
}
