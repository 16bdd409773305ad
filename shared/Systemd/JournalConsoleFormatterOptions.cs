using Microsoft.Extensions.Logging.Console;

namespace Jumpstart.Shared.Systemd;

/// <summary>Options of <see cref="JournalConsoleFormatter"/> (configuration section Logging:Console:FormatterOptions).</summary>
public sealed class JournalConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>
    /// True: one line per entry with a "&lt;N&gt;" priority prefix for the journal. False: readable
    /// multi-line output with timestamps. Null (default): journal format when started by systemd.
    /// </summary>
    public bool? UseJournalFormat { get; set; }
}
