using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// The host lifetime for a daemon under systemd (replaces ConsoleLifetime): READY=1 once every
/// service started, STOPPING=1 when the host begins to stop, SIGTERM/SIGINT/SIGQUIT = graceful
/// stop, SIGHUP = configuration reload. Outside systemd the signals behave the same and the
/// notifications are no-ops.
/// </summary>
/// <remarks>
/// systemd.service(5): with Type=notify, systemd considers the unit started on READY=1 and sends
/// SIGTERM to stop it (KillSignal=); ExecReload=kill -HUP $MAINPID asks for a reload, which this
/// lifetime brackets with RELOADING=1 ... READY=1 so <c>systemctl status</c> shows "reloading".
/// Passed descriptors still unclaimed when the host has started are closed here (sd_listen_fds(3)).
/// </remarks>
public sealed partial class SystemdHostLifetime(
    IHostApplicationLifetime applicationLifetime,
    SystemdEnvironment environment,
    SystemdNotifier notifier,
    ServiceStatus status,
    ConfigurationReloader reloader,
    SystemdSocketActivation activation,
    ILogger<SystemdHostLifetime> logger) : IHostLifetime, IDisposable
{
    private readonly List<IDisposable> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in environment.Problems)
        {
            LogEnvironmentProblem(logger, problem);
        }

        _registrations.Add(applicationLifetime.ApplicationStarted.Register(OnStarted));
        _registrations.Add(applicationLifetime.ApplicationStopping.Register(OnStopping));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStopSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnReloadSignal));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }

    private void OnStarted()
    {
        var closed = activation.CloseUnclaimed();
        LogStarted(logger, status.Current, closed, notifier.IsEnabled);
        notifier.NotifyReady(status.Current);
    }

    private void OnStopping()
    {
        LogStopping(logger);
        notifier.NotifyStopping();
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

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "started: {Status} (unused passed fds closed: {ClosedFds}, systemd notify: {NotifyEnabled})")]
    private static partial void LogStarted(ILogger logger, string status, int closedFds, bool notifyEnabled);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "stopping")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Information, Message = "received {Signal}")]
    private static partial void LogSignal(ILogger logger, PosixSignal signal);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Warning, Message = "ignoring systemd environment: {Problem}")]
    private static partial void LogEnvironmentProblem(ILogger logger, string problem);
}
