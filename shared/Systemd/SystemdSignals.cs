using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// What the host lifetime does not: SIGHUP reloads the configuration; once every service has
/// started, passed descriptors nobody claimed are closed and the status line goes to systemd just
/// before the lifetime's READY=1; problems in the systemd variables are logged.
/// </summary>
/// <remarks>
/// The lifetime is the library's SystemdLifetime under a notify socket (READY=1, STOPPING=1,
/// SIGTERM) and ConsoleLifetime otherwise (SIGINT, SIGQUIT, SIGTERM). SystemdLifetime handles SIGTERM
/// only, so with it this class also turns SIGINT and SIGQUIT into a graceful stop, as a terminal
/// user expects. systemd.service(5): ExecReload=kill -HUP $MAINPID asks for a reload, which
/// <see cref="ConfigurationReloader"/> brackets with RELOADING=1 ... READY=1.
/// </remarks>
public sealed partial class SystemdSignals(
    IHostApplicationLifetime applicationLifetime,
    SystemdEnvironment environment,
    ServiceStatus status,
    SystemdNotifications notifications,
    ConfigurationReloader reloader,
    SystemdSocketActivation activation,
    ILogger<SystemdSignals> logger) : IHostedLifecycleService, IDisposable
{
    private readonly List<IDisposable> _registrations = [];

    /// <summary>True when the stop signals SystemdLifetime leaves out are handled here.</summary>
    public bool HandlesStopSignals => environment.Notifier is not null;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in environment.Problems)
        {
            LogEnvironmentProblem(logger, problem);
        }

        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnReloadSignal));
        if (HandlesStopSignals)
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStopSignal));
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // Runs after every service's StartAsync and before the lifetime's ApplicationStarted (READY=1).
        var closed = activation.CloseUnclaimed();
        LogStarted(logger, status.Current, closed, notifications.IsEnabled);
        notifications.NotifyStatus(status.Current);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }

    private void OnStopSignal(PosixSignalContext context)
    {
        // Cancel the runtime's default (immediate exit) and stop the host gracefully instead.
        context.Cancel = true;
        LogSignal(logger, context.Signal);
        applicationLifetime.StopApplication();
    }

    private void OnReloadSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        LogSignal(logger, context.Signal);
        reloader.Reload();
    }

    [LoggerMessage(EventId = LogEventIds.Systemd.Started, Level = LogLevel.Information, Message = "started: {Status} (unused passed fds closed: {ClosedFds}, systemd notify: {NotifyEnabled})")]
    private static partial void LogStarted(ILogger logger, string status, int closedFds, bool notifyEnabled);

    [LoggerMessage(EventId = LogEventIds.Systemd.Signal, Level = LogLevel.Information, Message = "received {Signal}")]
    private static partial void LogSignal(ILogger logger, PosixSignal signal);

    [LoggerMessage(EventId = LogEventIds.Systemd.EnvironmentProblem, Level = LogLevel.Warning, Message = "ignoring systemd environment: {Problem}")]
    private static partial void LogEnvironmentProblem(ILogger logger, string problem);
}
