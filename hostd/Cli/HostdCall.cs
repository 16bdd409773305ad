using System.CommandLine;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// Runs one command against the local hostd: connects to the control socket (printing hostd's
/// progress notes on stderr as they come), runs the body, maps failures to exit codes. With the global
/// <c>--host NAME</c>, every call of the body runs on cluster host NAME instead (<see cref="RemoteHost"/>).
/// </summary>
public static class HostdCall
{
    /// <summary>The options every VM command shares.</summary>
    public sealed record Options(Option<string> Socket, Option<bool> Json);

    public static Options CreateOptions() => new(HostdConnection.CreateSocketOption(), new Option<bool>("--json") { Description = "Print JSON for scripts.", Recursive = true });

    public static Task<int> RunAsync(ParseResult parse, Options options, CancellationToken cancellationToken, Func<JsonRpcPeer, bool, TextWriter, Task<int>> body)
    {
        var error = parse.InvocationConfiguration.Error;
        return CliAction.RunAsync(error, async () =>
        {
            var host = RemoteHost.Of(parse);
            await using var connection = await HostdConnection.ConnectAsync(
                parse.GetRequiredValue(options.Socket),
                c =>
                {
                    c.AddLocalRpcMethod(HostMethods.Progress, (ProgressNote note) => Progress(error, note));
                    RemoteHost.Apply(c, host);
                },
                cancellationToken);
            return await body(connection, parse.GetValue(options.Json), parse.InvocationConfiguration.Output);
        });
    }

    private static void Progress(TextWriter error, ProgressNote note)
    {
        lock (error)
        {
            error.WriteLine(note.Detail is null ? $"[{note.Operation}] {note.Stage}" : $"[{note.Operation}] {note.Stage}: {note.Detail}");
        }
    }
}
