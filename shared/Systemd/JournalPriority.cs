using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>Maps log levels to syslog priorities for the journal's "&lt;N&gt;" line prefix.</summary>
/// <remarks>
/// sd-daemon(3): "lines written to standard error prefixed with &lt;N&gt; are interpreted as log
/// priority N" (syslog(3) levels: 2 crit, 3 err, 4 warning, 6 info, 7 debug); the same holds for
/// stdout connected to the journal (systemd.exec(5), SyslogLevelPrefix= defaults to on).
/// </remarks>
public static class JournalPriority
{
    public const int Critical = 2;
    public const int Error = 3;
    public const int Warning = 4;
    public const int Informational = 6;
    public const int Debug = 7;

    /// <summary>The syslog priority for <paramref name="level"/>.</summary>
    public static int From(LogLevel level) => level switch
    {
        LogLevel.Critical => Critical,
        LogLevel.Error => Error,
        LogLevel.Warning => Warning,
        LogLevel.Information => Informational,
        _ => Debug,
    };

    /// <summary>The prefix written before a line, e.g. "&lt;6&gt;".</summary>
    public static string Prefix(LogLevel level) => level switch
    {
        LogLevel.Critical => "<2>",
        LogLevel.Error => "<3>",
        LogLevel.Warning => "<4>",
        LogLevel.Information => "<6>",
        _ => "<7>",
    };
}
