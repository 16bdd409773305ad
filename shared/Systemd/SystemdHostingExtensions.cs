using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>Wires the systemd integration into a generic host.</summary>
/// <remarks>
/// From Microsoft.Extensions.Hosting.Systemd: the lifetime (SystemdLifetime: READY=1, STOPPING=1,
/// SIGTERM), the notifier (SystemdNotifier, which does the socket work) and the journal console
/// formatter ("systemd").
/// Ours, sent through that notifier: the watchdog, reload (RELOADING=1), STATUS= and socket
/// activation, which the library lacks. The library's own switch, UseSystemd/AddSystemd, asks
/// SystemdHelpers.IsSystemdService, which in 10.0.x reads the parent's /proc entry and so answers
/// "no" under ProtectProc=invisible; the pieces are therefore registered here explicitly, decided
/// from what systemd put in our environment (<see cref="SystemdEnvironment"/>).
/// </remarks>
public static class SystemdHostingExtensions
{
    /// <summary>The simple formatter's timestamp outside the journal (journald stamps its own).</summary>
    public const string TerminalTimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";

    /// <summary>
    /// Adds the systemd integration and the console log format: the journal's one line per entry
    /// with a "&lt;N&gt;" priority when started by systemd (JOURNAL_STREAM or INVOCATION_ID), readable
    /// timestamped lines otherwise. Reads (and then unsets) the systemd variables of the process
    /// environment unless <paramref name="environment"/> is given.
    /// </summary>
    public static HostApplicationBuilder UseJumpstartSystemd(this HostApplicationBuilder builder, SystemdEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        environment ??= SystemdEnvironment.CaptureAndClear();
        builder.Services.AddJumpstartSystemd(environment);
        builder.Logging.ClearProviders();
        if (environment.IsUnderSystemd)
        {
            builder.Logging.AddSystemdConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = TerminalTimestampFormat;
            });
        }

        return builder;
    }

    /// <summary>The services behind <see cref="UseJumpstartSystemd"/>, without touching logging.</summary>
    public static IServiceCollection AddJumpstartSystemd(this IServiceCollection services, SystemdEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(environment);
        services.AddSingleton(environment);
        services.AddSingleton(provider => new SystemdNotifications(environment.Notifier, provider.GetService<ILogger<SystemdNotifications>>()));
        if (environment.Notifier is not null)
        {
            // The library's lifetime sends through our wrapper of the library's notifier, so a
            // vanished manager is a logged warning, not a critical start-up error.
            services.AddSingleton<ISystemdNotifier>(provider => provider.GetRequiredService<SystemdNotifications>());
            services.RemoveAll<IHostLifetime>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        services.AddSingleton<ServiceStatus>();
        services.AddSingleton<ConfigurationReloader>();
        services.AddSingleton<SystemdSocketActivation>();
        services.AddHostedService<SystemdSignals>();
        services.AddHostedService<SystemdWatchdog>();
        return services;
    }
}
