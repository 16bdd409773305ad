using System.CommandLine;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// <c>jumpstart-guestd</c>: without a subcommand, the service (watch the CDROMs); <c>apply</c>
/// configures once from a given disc and prints what each step took.
/// </summary>
public static class GuestdCommandLine
{
    public static RootCommand Create()
    {
        var config = new Option<string?>("--config") { Description = $"Settings file (default: $JUMPSTART_GUESTD_CONFIG, else {GuestdSettings.DefaultPath})", HelpName = "PATH", Recursive = true };
        var root = new RootCommand("jumpstart-guestd: configures a cloned VM from its metadata disc. Without a command, runs as a service watching the CDROM drives.")
        {
            config,
        };
        root.SetAction((parse, ct) => RunServiceAsync(parse.GetValue(config), parse.InvocationConfiguration.Error, ct));
        root.Subcommands.Add(CreateApply(config));
        return root;
    }

    /// <summary>The daemon's short name: /etc/jumpstart/guestd.json, JUMPSTART_GUESTD_CONFIG.</summary>
    public const string DaemonName = "guestd";

    /// <summary>Parses and runs; a usage error exits 64 (EX_USAGE).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"jumpstart-guestd: {parseError.Message}");
            }

            await error.WriteLineAsync("Try 'jumpstart-guestd --help'.");
            return ExitCodes.Usage;
        }

        // The service's own lifetime handles SIGTERM gracefully; a forced termination would cut it short.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }

    private static Command CreateApply(Option<string?> config)
    {
        var disc = new Option<string>("--disc") { Description = "Metadata disc: an ISO image file or a block device (/dev/sr0)", Required = true };
        var stateDir = new Option<string?>("--state-dir") { Description = "State directory (instance marker, self script); default from settings" };
        var rootDir = new Option<string?>("--root") { Description = "File-system root for /etc/hostname, /etc/resolv.conf and role files; default /" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var apply = new Command("apply", "Apply one metadata disc now and print the role and per-step timings.")
        {
            disc, stateDir, rootDir, json,
        };
        apply.SetAction((parse, ct) => ApplyAsync(
            parse.GetValue(config) ?? JumpstartDaemon.ResolveConfigPath(new DaemonSettings { Name = DaemonName }).Path, parse.GetValue(disc)!, parse.GetValue(stateDir), parse.GetValue(rootDir), parse.GetValue(json),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return apply;
    }

    private static async Task<int> ApplyAsync(
        string configPath, string disc, string? stateDir, string? root, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await LoadSettingsAsync(configPath, error) is not { } settings)
        {
            return ExitCodes.Config;
        }

        settings = settings with
        {
            StateDirectory = stateDir is null ? settings.StateDirectory : Path.GetFullPath(stateDir),
            Root = root is null ? settings.Root : Path.GetFullPath(root),
        };

        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddGuestd(settings);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ConfigurationEngine>();
        try
        {
            var result = await engine.ApplyDiscAsync(disc, cancellationToken);
            var report = ApplyReport.From(result);
            await output.WriteAsync(json ? report.ToJson() + "\n" : report.ToText());
            return ExitCodes.Ok;
        }
        catch (GuestConfigException ex)
        {
            var report = ApplyReport.From(ex);
            if (json)
            {
                await output.WriteLineAsync(report.ToJson());
            }
            else
            {
                await error.WriteAsync(report.ToText());
            }

            await error.WriteLineAsync($"jumpstart-guestd: {ex.Step} failed: {ex.Message}");
            return GuestdExitCodes.For(ex);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("jumpstart-guestd: interrupted");
            return ExitCodes.TempFail;
        }
    }

    private static Task<int> RunServiceAsync(string? configPath, TextWriter error, CancellationToken cancellationToken)
        => JumpstartDaemon.RunAsync(new DaemonSettings { Name = DaemonName, ConfigPath = configPath }, ConfigureService, error, cancellationToken);

    /// <summary>The service's host: the shared daemon host (systemd, journal logging) plus the engine and the disc watcher.</summary>
    public static void ConfigureService(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = ReadSettings(builder.Configuration);
        builder.Services.AddGuestd(settings);
        builder.Services.AddSingleton<DiscWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DiscWatcher>());
    }

    private static GuestdSettings ReadSettings(IConfiguration configuration)
    {
        try
        {
            return GuestdSettings.From(configuration, "guestd configuration");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new DaemonConfigurationException($"guestd configuration: {ex.Message}", ex);
        }
        catch (GuestdConfigFileException ex)
        {
            throw new DaemonConfigurationException(ex.Message, ex);
        }
    }

    private static async Task<GuestdSettings?> LoadSettingsAsync(string configPath, TextWriter error)
    {
        try
        {
            return GuestdSettings.Load(configPath);
        }
        catch (GuestdConfigFileException ex)
        {
            await error.WriteLineAsync($"jumpstart-guestd: configuration: {ex.Message}");
            return null;
        }
    }
}
