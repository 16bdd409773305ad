using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Manual;

/// <summary>jumpstart-hostd(8) and jumpstart-guestd(8) name every command and option their program's help lists.</summary>
[Trait(Capabilities.Trait, Capabilities.Manual)]
public sealed class DaemonManPageTests
{
    public static TheoryData<string, string, string> Daemons { get; } = new()
    {
        { "hostd/Programs/jumpstart-hostd", "jumpstart-hostd", "jumpstart-hostd.8" },
        { "guestd/Programs/jumpstart-guestd", "jumpstart-guestd", "jumpstart-guestd.8" },
    };

    [Theory]
    [MemberData(nameof(Daemons))]
    public async Task ThePage_NamesEveryCommandAndOptionOfTheBuiltDaemon(string project, string program, string page)
    {
        var built = await CliHelp.LeafCommandsAsync(BuiltPrograms.Find(project, program));
        var text = ManPages.Unescape(File.ReadAllText(ManPages.PathOf(page)));

        var missing = built.Keys.Where(command => command.Length > 0 && !ManPages.Mentions(text, $"{program} {command}"))
            .Concat(built.Values.SelectMany(options => options).Distinct().Where(option => !ManPages.Mentions(text, option)))
            .ToList();

        Assert.True(missing.Count == 0, $"{page} does not name: {string.Join(", ", missing)}");
    }
}
