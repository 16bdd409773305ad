using System.Text.RegularExpressions;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Tests.Manual;

/// <summary>
/// The command tree of a built System.CommandLine program, read from its <c>--help</c> output: the
/// <c>Commands:</c> section of each command names its subcommands (recursively for groups), the
/// <c>Options:</c> section its options.
/// </summary>
public static partial class CliHelp
{
    private const int MaxDepth = 8;
    private static readonly TimeSpan s_helpTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] s_builtInOptions = ["--help", "--version"];

    /// <summary>Every leaf command ("store servers add") with the long options its help lists.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> LeafCommandsAsync(string program)
    {
        var leaves = new SortedDictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        await WalkAsync(program, [], leaves);
        return leaves;
    }

    private static async Task WalkAsync(string program, IReadOnlyList<string> path, SortedDictionary<string, IReadOnlySet<string>> leaves)
    {
        if (path.Count > MaxDepth)
        {
            throw new InvalidDataException($"command tree deeper than {MaxDepth}: {string.Join(' ', path)}");
        }

        var result = await ProcessRunner.RunAsync(program, [.. path, "--help"], new ProcessRunOptions { Timeout = s_helpTimeout });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', path)} --help failed ({result.ExitCode}): {result.StandardError}");
        }

        var sections = Sections(result.StandardOutput);
        var subcommands = sections.GetValueOrDefault("Commands", [])
            .Select(line => CommandLine().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups["name"].Value)
            .ToList();
        if (subcommands.Count == 0)
        {
            var options = sections.GetValueOrDefault("Options", [])
                .SelectMany(line => OptionLine().Match(line) is { Success: true } m ? m.Groups["aliases"].Value.Split(", ") : [])
                .Where(alias => alias.StartsWith("--", StringComparison.Ordinal) && !s_builtInOptions.Contains(alias))
                .ToHashSet(StringComparer.Ordinal);
            leaves.Add(string.Join(' ', path), options);
            return;
        }

        // Siblings one after another: the help runs are short, and the test machine is shared.
        foreach (var subcommand in subcommands)
        {
            await WalkAsync(program, [.. path, subcommand], leaves);
        }
    }

    /// <summary>The lines under each "Heading:" line of a help text, up to the next heading.</summary>
    private static Dictionary<string, List<string>> Sections(string help)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var line in help.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (HeadingLine().Match(line) is { Success: true } heading)
            {
                current = [];
                sections[heading.Groups["name"].Value] = current;
            }
            else
            {
                current?.Add(line);
            }
        }

        return sections;
    }

    [GeneratedRegex(@"^(?<name>[A-Z][A-Za-z ]*):\s*$")]
    private static partial Regex HeadingLine();

    // "  store <command>  description": two spaces, then the name; continuation lines are indented deeper.
    [GeneratedRegex(@"^  (?<name>[a-z][a-z0-9-]*)(\s|$)")]
    private static partial Regex CommandLine();

    // "  -o, --output <output>  description".
    [GeneratedRegex(@"^  (?<aliases>-[-?A-Za-z0-9]*(, -[-?A-Za-z0-9]*)*)")]
    private static partial Regex OptionLine();
}
