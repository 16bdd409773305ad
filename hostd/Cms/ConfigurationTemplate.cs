using System.Text.RegularExpressions;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Expands <c>${NAME}</c> in a role's configuration (file paths, contents, command arguments) from
/// the assignment's variables. An unknown name is left as written, so the guest can still see what
/// was not known yet; <c>$${NAME}</c> stands for a literal <c>${NAME}</c>.
/// </summary>
internal static partial class ConfigurationTemplate
{
    [GeneratedRegex(@"(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    public static string Expand(string text, IReadOnlyDictionary<string, string> variables)
        => !text.Contains("${", StringComparison.Ordinal)
            ? text
            : Reference().Replace(text, match =>
            {
                if (match.Groups[1].Length > 0)
                {
                    return match.Value[1..];
                }

                return variables.TryGetValue(match.Groups[2].Value, out var value) ? value : match.Value;
            });

    public static RoleConfiguration Expand(RoleConfiguration configuration, IReadOnlyDictionary<string, string> variables) => new()
    {
        Files = [.. configuration.Files.Select(f => f with { Path = Expand(f.Path, variables), Content = Expand(f.Content, variables) })],
        Commands = [.. configuration.Commands.Select(c => (IReadOnlyList<string>)[.. c.Select(a => Expand(a, variables))])],
    };
}
