using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Systemd;

/// <summary>Wires the systemd integration into a generic host.</summary>
public static class SystemdHostingExtensions
{
    /// <summary>
    /// Adds sd_notify (READY/STATUS/STOPPING/RELOADING), the watchdog, socket activation, the
    /// signal-handling lifetime (SIGTERM stop, SIGHUP reload) and the journal-aware console log
    /// format. Reads (and then unsets) the systemd variables of the process environment unless
    /// <paramref name="environment"/> is given.
    /// </summary>
    public static HostApplicationBuilder UseJumpstartSystemd(this HostApplicationBuilder builder, SystemdEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddJumpstartSystemd(environment ?? SystemdEnvironment.CaptureAndClear());
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.FormatterName = JournalConsoleFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<JournalConsoleFormatter, JournalConsoleFormatterOptions>();
        return builder;
    }

    /// <summary>The services behind <see cref="UseJumpstartSystemd"/>, without touching logging.</summary>
    public static IServiceCollection AddJumpstartSystemd(this IServiceCollection services, SystemdEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(environment);
        services.AddSingleton(environment);
        services.AddSingleton(provider => new SystemdNotifier(environment.NotifySocket, provider.GetService<ILogger<SystemdNotifier>>()));
        services.AddSingleton<ServiceStatus>();
        services.AddSingleton<ConfigurationReloader>();
        services.AddSingleton<SystemdSocketActivation>();
        services.RemoveAll<IHostLifetime>();
        services.AddSingleton<IHostLifetime, SystemdHostLifetime>();
        services.AddHostedService<SystemdWatchdog>();
        return services;
    }
}
