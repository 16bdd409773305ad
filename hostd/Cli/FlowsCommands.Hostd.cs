using System.CommandLine;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

public static partial class FlowsCommands
{
    /// <summary><c>flows status</c>: what the local hostd captures and which model labels its flows.</summary>
    private static Command CreateStatus()
    {
        var options = HostdCall.CreateOptions();
        var command = new Command("status", "Show what the local hostd captures and which classifier model labels its flows.") { options.Socket, options.Json };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var status = await connection.InvokeAsync<TrafficStatus>(HostMethods.FlowsStatus, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, status, FormatStatus);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary><c>flows model [PATH] [--unload]</c>: replace the model that labels live flows, without a restart.</summary>
    private static Command CreateModel()
    {
        var options = HostdCall.CreateOptions();
        var path = new Argument<string?>("PATH")
        {
            Description = "A model from 'jumpstart classify train' (relative paths are resolved here, not in hostd's state directory); without PATH the active model's file is read again.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var unload = new Option<bool>("--unload") { Description = "Stop labelling: flows are stored without a label." };
        var command = new Command(
            "model",
            "Replace the classifier model that labels the flows hostd captures, without losing a flow (a bad file keeps the current model; exit 65). "
            + "It lasts until hostd reloads its configuration (SIGHUP) or restarts: set Traffic:ModelPath to keep it.")
        {
            path, unload, options.Socket, options.Json,
        };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var file = parse.GetValue(path);
            if (file is not null && parse.GetValue(unload))
            {
                throw new CliUsageException("give PATH or --unload, not both");
            }

            var request = new ModelLoadRequest { Path = file is null ? null : Path.GetFullPath(file), Unload = parse.GetValue(unload) };
            var status = await connection.InvokeAsync<TrafficStatus>(HostMethods.FlowsModelLoad, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, status, s => s.Model is null
                ? "labelling stopped: flows are stored without a label"
                : $"labelling with {s.Model} ({s.Classes.Count} applications: {string.Join(", ", s.Classes)})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string FormatStatus(TrafficStatus status) => !status.Enabled
        ? "traffic capture: disabled (Traffic:Enabled is false)"
        : string.Join(
            '\n',
            $"database:   {status.Database}",
            $"capturing:  {(status.Interfaces.Count == 0 ? "nothing yet" : string.Join(", ", status.Interfaces))}",
            $"model:      {status.Model ?? "none (flows are stored unlabelled)"}",
            $"labelled:   {status.Labelled} flows, {status.Unknown} of them unknown");
}
