using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cli;

[Trait(Capabilities.Trait, Capabilities.Cli)]
public sealed class JumpstartCliTests
{
    [Fact]
    public async Task Run_UnknownOption_ExitsWithUsageAndPointsAtHelp()
    {
        var (code, _, error) = await RunAsync("iso", "show", "x.iso", "--no-such-option");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--no-such-option", error, StringComparison.Ordinal);
        Assert.Contains("jumpstart iso show --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoCommand_ExitsWithUsage()
    {
        var (code, _, _) = await RunAsync();

        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public async Task Run_Help_ListsCommandGroupsAndExitsZero()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("iso", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
