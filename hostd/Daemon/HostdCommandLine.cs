using System.CommandLine;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Daemon;

/// <summary>The command line of <c>jumpstart-hostd</c>: <c>--config</c>, <c>--state-dir</c>, <c>--runtime-dir</c>, <c>--help</c>, <c>--version</c>.</summary>
public static class HostdCommandLine
{
    public static RootCommand CreateRootCommand()
    {
        var config = new Option<string?>("--config")
        {
            Description = $"Configuration file (default: $JUMPSTART_HOSTD_CONFIG, else /etc/jumpstart/hostd.json)",
            HelpName = "PATH",
        };
        var stateDirectory = new Option<string?>("--state-dir")
        {
            Description = $"Persistent state directory (default {HostdOptions.DefaultStateDirectory})",
            HelpName = "DIR",
        };
        var runtimeDirectory = new Option<string?>("--runtime-dir")
        {
            Description = $"Runtime directory for sockets (default {HostdOptions.DefaultRuntimeDirectory})",
            HelpName = "DIR",
        };

        var root = new RootCommand("jumpstart-hostd: the Jumpstart host daemon (run by systemd as jumpstart-hostd.service).")
        {
            config,
            stateDirectory,
            runtimeDirectory,
        };
        root.SetAction((parseResult, cancellationToken) =>
        {
            var settings = HostdDaemon.Settings(
                parseResult.GetValue(config),
                parseResult.GetValue(stateDirectory),
                parseResult.GetValue(runtimeDirectory));
            return HostdDaemon.RunAsync(settings, parseResult.InvocationConfiguration.Error, cancellationToken);
        });
        return root;
    }

    /// <summary>Parses and runs; a usage error exits 64 (EX_USAGE), everything else as <see cref="HostdDaemon.RunAsync"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = CreateRootCommand().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"jumpstart-hostd: {parseError.Message}");
            }

            await error.WriteLineAsync("Try 'jumpstart-hostd --help'.");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The daemon's own lifetime handles SIGTERM/SIGINT gracefully; System.CommandLine's
            // forced termination after a timeout would cut a graceful stop short.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(configuration);
    }
}
