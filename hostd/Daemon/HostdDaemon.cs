using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Metrics;
using Jumpstart.Hostd.Vm;
using Jumpstart.Shared.Hosting;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Daemon;

/// <summary>
/// Assembles jumpstart-hostd: the shared daemon host (configuration, systemd, logging) plus hostd's
/// own services. Capabilities (VM lifecycle, CMS, image service, ...) register here as they land.
/// </summary>
public static class HostdDaemon
{
    /// <summary>The daemon's short name: /etc/jumpstart/hostd.json, JUMPSTART_HOSTD_CONFIG.</summary>
    public const string Name = "hostd";

    /// <summary>Settings for <see cref="JumpstartDaemon"/> from the command line's values.</summary>
    public static DaemonSettings Settings(string? configPath, string? stateDirectory, string? runtimeDirectory)
    {
        var overrides = new Dictionary<string, string?>();
        if (!string.IsNullOrEmpty(stateDirectory))
        {
            overrides[$"{HostdOptions.Section}:{nameof(HostdOptions.StateDirectory)}"] = Path.GetFullPath(stateDirectory);
        }

        if (!string.IsNullOrEmpty(runtimeDirectory))
        {
            overrides[$"{HostdOptions.Section}:{nameof(HostdOptions.RuntimeDirectory)}"] = Path.GetFullPath(runtimeDirectory);
        }

        return new DaemonSettings { Name = Name, ConfigPath = configPath, Overrides = overrides };
    }

    /// <summary>Adds hostd's services to a daemon host builder.</summary>
    public static void Configure(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<HostdOptions>()
            .Bind(builder.Configuration.GetSection(HostdOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<HostdOptionsValidator>();
        services.AddSingleton<IValidateOptions<HostdOptions>>(provider => provider.GetRequiredService<HostdOptionsValidator>());
        services.AddSingleton<IConfigurationReloadValidator>(provider => provider.GetRequiredService<HostdOptionsValidator>());

        // Hosted services start in this order: directories, the socket in them, the CMS (if enabled), the VMs
        // (accelerator probe, rediscovery), the image service (NBD sockets), traffic capture (if enabled), the cluster
        // (if this host is in one), the API on the socket, then the status line.
        services.AddHostedService<HostdDirectories>();
        services.AddSingleton<ControlSocket>();
        services.AddHostedService(provider => provider.GetRequiredService<ControlSocket>());
        services.AddSingleton(TimeProvider.System);
        services.AddJumpstartCms(builder.Configuration);
        services.Configure<Store.Server.BlockServiceOptions>(builder.Configuration.GetSection(Store.Server.BlockServiceOptions.SectionName));
        services.AddHostedService<Store.Server.BlockServiceHostedService>();
        services.Configure<VmOptions>(builder.Configuration.GetSection(VmOptions.Section));
        services.AddSingleton<VmHost>();
        services.AddHostedService(provider => provider.GetRequiredService<VmHost>());
        services.Configure<DBus.HostdBusOptions>(builder.Configuration.GetSection(DBus.HostdBusOptions.Section));
        services.AddHostedService<DBus.HostdBus>();
        services.Configure<ImageOptions>(builder.Configuration.GetSection(ImageOptions.Section));
        services.AddSingleton<ImageService>();
        services.AddHostedService(provider => provider.GetRequiredService<ImageService>());
        services.Configure<Traffic.Capture.TrafficOptions>(builder.Configuration.GetSection(Traffic.Capture.TrafficOptions.Section));
        services.AddSingleton<Traffic.Capture.TrafficService>();
        services.AddHostedService(provider => provider.GetRequiredService<Traffic.Capture.TrafficService>());
        services.AddHostdMetrics(builder.Configuration);
        services.AddJumpstartCluster(builder.Configuration);
        services.AddSingleton<HostdApi>();
        services.AddHostedService<HostdControlServer>();
        services.AddHostedService<HostdStatusReporter>();
    }

    /// <summary>Runs hostd until SIGTERM; returns the process exit code.</summary>
    public static Task<int> RunAsync(DaemonSettings settings, TextWriter? error = null, CancellationToken cancellationToken = default)
        => JumpstartDaemon.RunAsync(settings, Configure, error, cancellationToken);
}
