using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Manual;

/// <summary>jumpstart(1) documents exactly the commands the built CLI has, each with its options.</summary>
[Trait(Capabilities.Trait, Capabilities.Manual)]
public sealed class CliManPageTests
{
    /// <summary>
    /// Options the page explains once for many commands (in DESCRIPTION or the first command of a
    /// group) rather than in every subsection.
    /// </summary>
    private static readonly string[] s_sharedOptions = ["--socket", "--json", "--host", "--db", "--cms", "--admin-token-file"];

    /// <summary>The built CLI's command tree, read once (about sixty <c>--help</c> runs) for both tests.</summary>
    private static readonly Lazy<Task<IReadOnlyDictionary<string, IReadOnlySet<string>>>> s_built =
        new(() => CliHelp.LeafCommandsAsync(BuiltPrograms.Cli));

    [Fact]
    public async Task TheCommandsOfJumpstart1_AreExactlyTheCommandsOfTheBuiltCli()
    {
        var built = (await s_built.Value).Keys.ToList();
        var documented = ManPages.CommandSections(ManPages.Cli).Keys.Order(StringComparer.Ordinal);

        Assert.True(built.Count > 10, $"the help lists only: {string.Join(", ", built)}");
        Assert.Equal(built, documented);
    }

    [Fact]
    public async Task EachCommandsSubsection_NamesEveryOptionOfItsHelp()
    {
        var built = await s_built.Value;
        var sections = ManPages.CommandSections(ManPages.Cli);
        var page = ManPages.Unescape(File.ReadAllText(ManPages.PathOf(ManPages.Cli)));

        var missing = new List<string>();
        foreach (var (command, options) in built)
        {
            var section = sections.TryGetValue(command, out var text) ? ManPages.Unescape(text) : string.Empty;
            foreach (var option in options)
            {
                var where = s_sharedOptions.Contains(option) ? page : section;
                if (!ManPages.Mentions(where, option))
                {
                    missing.Add($"jumpstart {command} {option}");
                }
            }
        }

        Assert.True(missing.Count == 0, "jumpstart(1) does not document: " + string.Join(", ", missing));
    }
}
