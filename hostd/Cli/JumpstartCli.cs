using System.CommandLine;
using System.CommandLine.Parsing;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// The <c>jumpstart</c> operator CLI. Each command group lives in its own <c>*Commands.cs</c> file
/// with a static <c>Create()</c>; this root only lists them.
/// </summary>
public static class JumpstartCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Jumpstart: deploy cloud applications by resuming VM clones from a memory-state file.");
        root.Options.Add(RemoteHost.CreateOption());
        foreach (var group in CommandGroups())
        {
            root.Subcommands.Add(group);
        }

        return root;
    }

    /// <summary>Parses and runs; returns a sysexits-style code (see <see cref="Jumpstart.Shared.Cli.ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = CreateRootCommand().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would exit 1; a command line that makes no sense is EX_USAGE.
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"jumpstart: {parseError.Message}");
            }

            await error.WriteLineAsync($"Try '{string.Join(' ', ["jumpstart", .. CommandPath(parse.CommandResult)])} --help'.");
            return ExitCodes.Usage;
        }

        // System.CommandLine's own handler prints a stack trace and exits 1; an unexpected exception is a bug: EX_SOFTWARE.
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await CliAction.InternalErrorAsync(error, ex);
        }
    }

    private static IEnumerable<string> CommandPath(CommandResult? result)
    {
        var names = new Stack<string>();
        for (var current = result; current is not null && current.Command is not RootCommand; current = current.Parent as CommandResult)
        {
            names.Push(current.Command.Name);
        }

        return names;
    }

    private static IEnumerable<Command> CommandGroups()
    {
        yield return StatusCommands.Create();
        yield return CmsCommands.Create();
        yield return DeploymentCommands.Create();
        yield return IsoCommands.Create();
        yield return TemplateCommands.Create();
        yield return TemplateCommands.CreateBundle();
        yield return CloneCommands.Create();
        yield return VmCommands.Create();
        yield return DeployCommands.Create();
        yield return ImageCommands.Create();
        yield return StoreCommands.Create();
        yield return FlowsCommands.Create();
        yield return ClassifyCommands.Create();
        yield return ClusterCommands.Create();
    }
}
