using System.CommandLine;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart status</c>: ask the local hostd who it is and what it runs.</summary>
public static class StatusCommands
{
    public static Command Create()
    {
        var socket = HostdConnection.CreateSocketOption();
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var command = new Command("status", "Show the local jumpstart-hostd's status.") { socket, json };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            await using var connection = await HostdConnection.ConnectAsync(parse.GetRequiredValue(socket), c => RemoteHost.Apply(c, RemoteHost.Of(parse)), cancellationToken);
            var status = await connection.InvokeAsync<HostStatus>(HostMethods.Status, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), status, Format);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Format(HostStatus status) => string.Join(
        '\n',
        $"node:           {status.NodeName}",
        $"version:        {status.Version}",
        $"started:        {status.StartedAt:u}",
        $"state:          {status.StateDirectory}",
        $"control socket: {status.ControlSocket}",
        $"cms:            {status.CmsEndpoint ?? "not running on this host"}");
}
