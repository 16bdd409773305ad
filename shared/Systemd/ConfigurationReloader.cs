using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Reloads the daemon's configuration (on SIGHUP): tells systemd RELOADING=1, re-reads every
/// configuration source, and answers READY=1 when done. Options bound through IOptionsMonitor see
/// the new values through the configuration's change token.
/// </summary>
/// <remarks>
/// A broken file must not take the running configuration with it: the file configuration
/// provider empties its data before it throws on a parse error, so the new configuration is first
/// built aside from the same sources and checked by every <see cref="IConfigurationReloadValidator"/>;
/// only if that succeeds does the live root reload. Either way systemd gets READY=1, since after
/// RELOADING=1 it waits for one (systemd.service(5), Type=notify-reload). Ours because
/// Microsoft.Extensions.Hosting.Systemd has no reload (no RELOADING=1, no SIGHUP handling); the
/// messages go through its ISystemdNotifier (see <see cref="SystemdNotifications"/>).
/// </remarks>
public sealed partial class ConfigurationReloader(
    IConfiguration configuration,
    IEnumerable<IConfigurationReloadValidator> validators,
    SystemdNotifications notifier,
    ServiceStatus status,
    ILogger<ConfigurationReloader> logger)
{
    private readonly Lock _lock = new();

    /// <summary>Number of reloads that were applied.</summary>
    public int AppliedCount { get; private set; }

    /// <summary>Reloads; false (and the old configuration kept) when the new one is unreadable or invalid.</summary>
    public bool Reload()
    {
        lock (_lock)
        {
            notifier.NotifyReloading();
            LogReloading(logger);

            var problems = CheckCandidate();
            if (problems.Count == 0)
            {
                try
                {
                    (configuration as IConfigurationRoot)?.Reload();
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or FormatException)
                {
                    // The file changed between the check and the reload.
                    problems = [ex.Message];
                }
            }

            if (problems.Count > 0)
            {
                var reason = string.Join("; ", problems);
                LogReloadRejected(logger, reason);
                status.Set($"reload failed, running with the previous configuration: {reason}");
                notifier.NotifyReady(status.Current);
                return false;
            }

            AppliedCount++;
            LogReloaded(logger);
            notifier.NotifyReady(status.Current);
            return true;
        }
    }

    private List<string> CheckCandidate()
    {
        if (configuration is not IConfigurationBuilder sources)
        {
            return [];
        }

        IConfigurationRoot candidate;
        try
        {
            var builder = new ConfigurationBuilder();
            foreach (var source in sources.Sources)
            {
                builder.Add(source);
            }

            candidate = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or FormatException)
        {
            return [ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}"];
        }

        try
        {
            return [.. validators.SelectMany(v => v.Validate(candidate))];
        }
        finally
        {
            (candidate as IDisposable)?.Dispose();
        }
    }

    [LoggerMessage(EventId = LogEventIds.Systemd.Reloading, Level = LogLevel.Information, Message = "reloading configuration (SIGHUP)")]
    private static partial void LogReloading(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Systemd.Reloaded, Level = LogLevel.Information, Message = "configuration reloaded")]
    private static partial void LogReloaded(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Systemd.ReloadRejected, Level = LogLevel.Error, Message = "configuration reload rejected, keeping the previous configuration: {Reason}")]
    private static partial void LogReloadRejected(ILogger logger, string reason);
}
