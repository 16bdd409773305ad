using System.Text;
using Jumpstart.Guestd.Configuration;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// One-line, machine-readable milestones on the guest's console (the serial port under QEMU), so a
/// host or a test following the serial log knows when guestd is ready, saw a disc, applied the
/// identity and finished: <c>JUMPSTART-GUESTD: configured instance=i-1 role=worker total-ms=412</c>.
/// </summary>
/// <remarks>
/// Values are single tokens (white space becomes '_'), so a line splits on spaces and '='. Writing is
/// best effort: a console that cannot be opened is logged once and never fails configuration.
/// </remarks>
public sealed partial class ConsoleMarkers(GuestdSettings settings, ILogger<ConsoleMarkers> logger) : IDisposable
{
    /// <summary>Every marker line starts with this.</summary>
    public const string Prefix = "JUMPSTART-GUESTD:";

    public const string Ready = "ready";
    public const string Disc = "disc";
    public const string Identity = "identity";
    public const string Configured = "configured";
    public const string WarmedUp = "warmed-up";
    public const string Failed = "failed";

    /// <summary>A disc that is not a usable metadata disc (malformed, foreign); guestd keeps watching for the next one.</summary>
    public const string Rejected = "rejected";

    /// <summary>
    /// A marker is one line; longer values (a failure reason) are cut. Room for the longest list guestd writes itself:
    /// a warm-up's steps with their times (20-odd steps, about 300 characters), which a cut would lose the last of.
    /// </summary>
    private const int MaxValueChars = 600;

    private readonly Lock _gate = new();
    private bool _reportedFailure;

    /// <summary>
    /// The console, opened once and kept: a clone writes three markers between the disc and "configured", and under
    /// TCG an open and close of the serial console each time cost more than the write.
    /// </summary>
    private FileStream? _console;

    /// <summary>Writes <c>PREFIX event key=value ...</c> when a console device is configured.</summary>
    public void Write(string eventName, params (string Key, object? Value)[] fields)
    {
        if (settings.ConsoleDevice is not { Length: > 0 } device)
        {
            return;
        }

        var line = new StringBuilder(Prefix).Append(' ').Append(eventName);
        foreach (var (key, value) in fields)
        {
            line.Append(' ').Append(key).Append('=').Append(Token(value));
        }

        line.Append('\n');
        lock (_gate)
        {
            try
            {
                _console ??= new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                _console.Write(Encoding.UTF8.GetBytes(line.ToString()));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Opened again on the next marker: a console that went away (a test's file, a hung-up tty) may come back.
                _console?.Dispose();
                _console = null;
                if (!_reportedFailure)
                {
                    _reportedFailure = true;
                    LogConsoleFailed(logger, device, ex.Message);
                }
            }
        }
    }

    /// <summary>The <c>steps=</c> value: <c>step:ms,step:ms,...</c> in the order they ran.</summary>
    public static string Steps(IEnumerable<StepTiming> steps)
        => string.Join(',', steps.Select(s => $"{s.Step}:{(long)s.Duration.TotalMilliseconds}"));

    /// <summary>The <c>jit=</c> value: <c>step:methods,...</c> for the steps that JIT-compiled anything ("-" when none did).</summary>
    public static string JitSteps(IEnumerable<StepTiming> steps)
        => string.Join(',', steps.Where(s => s.JitMethods > 0).Select(s => $"{s.Step}:{s.JitMethods}"));

    public void Dispose()
    {
        lock (_gate)
        {
            _console?.Dispose();
            _console = null;
        }
    }

    private static string Token(object? value)
    {
        var text = value switch
        {
            null => "-",
            IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "-",
        };
        if (text.Length > MaxValueChars)
        {
            text = text[..MaxValueChars];
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsWhiteSpace(c) || char.IsControl(c) ? '_' : c);
        }

        return builder.Length == 0 ? "-" : builder.ToString();
    }

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.ConsoleFailed, Level = LogLevel.Warning, Message = "Cannot write markers to {Device}: {Reason}")]
    private static partial void LogConsoleFailed(ILogger logger, string device, string reason);
}
