using Jumpstart.Hostd.Configuration;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Daemon;

/// <summary>
/// Keeps hostd's status line (systemd STATUS=, <c>systemctl status jumpstart-hostd</c>) current:
/// set at start, and again whenever a reload changes the options.
/// </summary>
public sealed partial class HostdStatusReporter(
    IOptionsMonitor<HostdOptions> options,
    ControlSocket controlSocket,
    ServiceStatus status,
    ILogger<HostdStatusReporter> logger) : IHostedService, IDisposable
{
    private HostdOptions? _started;
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = options.CurrentValue;
        status.Set(Describe(_started));
        _subscription = options.OnChange(OnOptionsChanged);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        status.Set("stopping");
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    /// <summary>The status line for <paramref name="current"/> options.</summary>
    public string Describe(HostdOptions current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var started = _started ?? current;
        var line = $"node {current.NodeName}: control {controlSocket.Path}{(controlSocket.IsSocketActivated ? " (socket-activated)" : string.Empty)}, state {started.StateDirectory}";
        var needsRestart = started.StateDirectory != current.StateDirectory
            || started.RuntimeDirectory != current.RuntimeDirectory
            || started.EffectiveControlSocketPath != current.EffectiveControlSocketPath;
        return needsRestart ? line + " (changed directories apply after a restart)" : line;
    }

    private void OnOptionsChanged(HostdOptions current, string? name)
    {
        var line = Describe(current);
        LogStatus(logger, line);
        status.Set(line);
    }

    [LoggerMessage(EventId = LogEventIds.HostdDaemon.Status, Level = LogLevel.Information, Message = "status: {Status}")]
    private static partial void LogStatus(ILogger logger, string status);
}
