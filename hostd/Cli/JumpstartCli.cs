using System.CommandLine;

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
        foreach (var group in CommandGroups())
        {
            root.Subcommands.Add(group);
        }

        return root;
    }

    /// <summary>Parses and runs; returns a sysexits-style code (see <see cref="Jumpstart.Shared.Cli.ExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var parse = CreateRootCommand().Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        return parse.InvokeAsync(configuration, cancellationToken);
    }

    private static IEnumerable<Command> CommandGroups()
    {
        yield return IsoCommands.Create();
    }
}
