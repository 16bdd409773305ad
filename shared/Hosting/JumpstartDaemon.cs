using System.Runtime.ExceptionServices;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Hosting;

/// <summary>
/// The host both Jumpstart daemons share: configuration from /etc/jumpstart/{name}.json (or --config,
/// or JUMPSTART_{NAME}_CONFIG), then JUMPSTART_* environment variables, then command-line overrides;
/// the systemd integration; and a run loop that turns failures into sysexits exit codes.
/// </summary>
/// <example>
/// <code>
/// return await JumpstartDaemon.RunAsync(new DaemonSettings { Name = "guestd", ConfigPath = configOption },
///     builder => builder.Services.AddHostedService&lt;GuestdService&gt;());
/// </code>
/// </example>
public static class JumpstartDaemon
{
    /// <summary>Where the packaged configuration files live (ConfigurationDirectory=jumpstart in the units).</summary>
    public const string ConfigurationDirectory = "/etc/jumpstart";

    /// <summary>Most bytes read from a daemon's configuration file (they are a few KB).</summary>
    public const long MaxConfigFileBytes = 1 << 20;

    /// <summary>Environment variables with this prefix become configuration keys: JUMPSTART_HOSTD__NODENAME = Hostd:NodeName.</summary>
    public const string EnvironmentPrefix = "JUMPSTART_";

    /// <summary>
    /// The journal's priority prefix for an error (sd-daemon(3): "&lt;3&gt;" is LOG_ERR), written before
    /// the last line after the host, and with it the library's journal formatter, is gone.
    /// </summary>
    private const string JournalErrorPrefix = "<3>";

    /// <summary>The variable that names the configuration file, e.g. JUMPSTART_HOSTD_CONFIG.</summary>
    public static string ConfigPathVariable(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{EnvironmentPrefix}{name.ToUpperInvariant()}_CONFIG";
    }

    /// <summary>The configuration file to read, and whether the operator named it (then it must exist).</summary>
    public static (string Path, bool IsExplicit) ResolveConfigPath(DaemonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!string.IsNullOrEmpty(settings.ConfigPath))
        {
            return (Path.GetFullPath(settings.ConfigPath), true);
        }

        var fromEnvironment = settings.GetEnvironmentVariable(ConfigPathVariable(settings.Name));
        return string.IsNullOrEmpty(fromEnvironment)
            ? (Path.Combine(ConfigurationDirectory, settings.Name + ".json"), false)
            : (Path.GetFullPath(fromEnvironment), true);
    }

    /// <summary>Creates the host builder with configuration, logging and systemd wired; add the daemon's services to it.</summary>
    /// <exception cref="DaemonConfigurationException">The configuration file is missing (when named explicitly) or not valid JSON.</exception>
    /// <exception cref="DaemonStartupException">The configuration file cannot be read (exit 77).</exception>
    public static HostApplicationBuilder CreateBuilder(DaemonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "jumpstart-" + settings.Name,
            EnvironmentName = Environments.Production,
        });

        AddConfigurationFile(builder.Configuration, settings);
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddInMemoryCollection(settings.Overrides);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.UseJumpstartSystemd(settings.Systemd);
        return builder;
    }

    /// <summary>
    /// Builds the host (<paramref name="configure"/> adds the daemon's services), runs it until
    /// SIGTERM, and returns the exit code: 0 after a graceful stop, a sysexits code otherwise (the
    /// reason goes to <paramref name="error"/> and to systemd as STATUS=).
    /// </summary>
    public static async Task<int> RunAsync(
        DaemonSettings settings,
        Action<HostApplicationBuilder> configure,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configure);
        error ??= Console.Error;
        var systemd = settings.Systemd ?? SystemdEnvironment.CaptureAndClear();
        settings = settings with { Systemd = systemd };
        try
        {
            var builder = CreateBuilder(settings);
            configure(builder);
            using var host = builder.Build();

            // RunAsync disposes the host's services, so the background services are looked up before it runs.
            var background = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            await host.RunAsync(cancellationToken);
            ThrowIfAnyFailed(background);
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            // By now the host is disposed, so its queued log lines are out before this one.
            var failure = DaemonFailure.From(ex);
            var prefix = systemd.IsUnderSystemd ? JournalErrorPrefix : string.Empty;
            await error.WriteLineAsync($"{prefix}jumpstart-{settings.Name}: {failure.Message}");
            new SystemdNotifications(systemd.Notifier).NotifyStatus($"failed: {failure.Message}");
            return failure.ExitCode;
        }
    }

    /// <summary>
    /// A background service that failed stops the host (BackgroundServiceExceptionBehavior.StopHost), but until
    /// .NET 11 RunAsync then returns as after a graceful stop: the daemon would exit 0 and systemd's
    /// Restart=on-failure would never restart it. Its exception becomes the daemon's failure instead, as .NET 11 does.
    /// </summary>
    private static void ThrowIfAnyFailed(IEnumerable<BackgroundService> services)
    {
        var failures = services
            .Select(s => s.ExecuteTask)
            .Where(t => t is { IsFaulted: true })
            .SelectMany(t => t!.Exception!.InnerExceptions)
            .ToList();
        if (failures.Count == 1)
        {
            ExceptionDispatchInfo.Throw(failures[0]);
        }

        if (failures.Count > 1)
        {
            throw new AggregateException(failures);
        }
    }

    private static void AddConfigurationFile(ConfigurationManager configuration, DaemonSettings settings)
    {
        var (path, isExplicit) = ResolveConfigPath(settings);
        try
        {
            // No reloadOnChange: the running configuration changes on SIGHUP only, never half-way
            // through an editor's save.
            // Read through BoundedFile: a regular file of at most MaxConfigFileBytes, also on every reload.
            configuration.AddJsonFile(new BoundedFileProvider(MaxConfigFileBytes), path, optional: !isExplicit, reloadOnChange: false);
        }
        catch (FileNotFoundException ex)
        {
            throw new DaemonConfigurationException($"configuration file {path} does not exist", ex);
        }
        catch (InputFileException ex)
        {
            throw new DaemonConfigurationException($"configuration file: {ex.Message}", ex);
        }
        catch (InvalidDataException ex) when (ex.InnerException is InputFileException inner)
        {
            throw new DaemonConfigurationException($"configuration file: {inner.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new DaemonConfigurationException($"configuration file {path} is not valid JSON: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DaemonStartupException($"cannot read configuration file {path}: {ex.Message}", ExitCodes.NoPermission, ex);
        }
    }
}
