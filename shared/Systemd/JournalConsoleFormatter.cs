using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Console log format for the daemons. Under systemd: exactly one line per entry, prefixed with the
/// entry's syslog priority ("&lt;6&gt;hostd[3]: ready"), exception and message newlines folded onto
/// that line, because journald turns every stdout line into its own journal record and would
/// otherwise lose the priority of continuation lines. In a terminal: timestamped, readable, the
/// exception's stack on the following lines.
/// </summary>
/// <remarks>Priority prefixes: sd-daemon(3); see <see cref="JournalPriority"/>.</remarks>
public sealed class JournalConsoleFormatter : ConsoleFormatter, IDisposable
{
    /// <summary>The formatter name to select in ConsoleLoggerOptions.FormatterName.</summary>
    public const string FormatterName = "jumpstart";

    /// <summary>What replaces a line break when an entry is folded onto one journal line.</summary>
    public const string LineBreakReplacement = " | ";

    private const string DefaultTimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";

    private readonly bool _underSystemd;
    private readonly IDisposable? _optionsReloadToken;
    private JournalConsoleFormatterOptions _options;

    /// <summary>Created by the logging infrastructure (AddConsoleFormatter).</summary>
    public JournalConsoleFormatter(IOptionsMonitor<JournalConsoleFormatterOptions> options, SystemdEnvironment environment)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _underSystemd = environment.IsUnderSystemd;
        _options = options.CurrentValue;
        _optionsReloadToken = options.OnChange(updated => _options = updated);
    }

    /// <summary>For direct use (tests, tools) with fixed options.</summary>
    internal JournalConsoleFormatter(JournalConsoleFormatterOptions options, bool underSystemd)
        : base(FormatterName)
    {
        _options = options;
        _underSystemd = underSystemd;
    }

    /// <summary>True when entries are written in the one-line journal format.</summary>
    public bool UsesJournalFormat => _options.UseJournalFormat ?? _underSystemd;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = new StringBuilder(128);
        if (UsesJournalFormat)
        {
            // journald stamps the time itself; a second timestamp would only add noise.
            line.Append(JournalPriority.Prefix(logEntry.LogLevel));
            AppendHeader(line, logEntry.Category, logEntry.EventId);
            AppendFolded(line, message);
            AppendScopes(line, scopeProvider);
            if (logEntry.Exception is not null)
            {
                line.Append(LineBreakReplacement);
                AppendFolded(line, logEntry.Exception.ToString());
            }
        }
        else
        {
            AppendTimestamp(line);
            line.Append(LevelName(logEntry.LogLevel)).Append(": ");
            AppendHeader(line, logEntry.Category, logEntry.EventId);
            line.Append(message);
            AppendScopes(line, scopeProvider);
            if (logEntry.Exception is not null)
            {
                line.Append('\n').Append(logEntry.Exception);
            }
        }

        line.Append('\n');
        textWriter.Write(line.ToString());
    }

    public void Dispose() => _optionsReloadToken?.Dispose();

    /// <summary>Appends <paramref name="text"/> with every line break (and other control character) folded away.</summary>
    internal static void AppendFolded(StringBuilder line, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                // "\r\n" is one break, not two.
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                line.Append(LineBreakReplacement);
            }
            else if (c == '\n')
            {
                line.Append(LineBreakReplacement);
            }
            else
            {
                line.Append(char.IsControl(c) ? ' ' : c);
            }
        }
    }

    private static void AppendHeader(StringBuilder line, string category, EventId eventId)
    {
        line.Append(category);
        if (eventId.Id != 0)
        {
            line.Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        }

        line.Append(": ");
    }

    private void AppendTimestamp(StringBuilder line)
    {
        var now = _options.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now;
        line.Append(now.ToString(_options.TimestampFormat ?? DefaultTimestampFormat, CultureInfo.InvariantCulture));
    }

    private void AppendScopes(StringBuilder line, IExternalScopeProvider? scopeProvider)
    {
        if (!_options.IncludeScopes || scopeProvider is null)
        {
            return;
        }

        scopeProvider.ForEachScope(
            static (scope, builder) =>
            {
                builder.Append(" => ");
                AppendFolded(builder, Convert.ToString(scope, CultureInfo.InvariantCulture));
            },
            line);
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
