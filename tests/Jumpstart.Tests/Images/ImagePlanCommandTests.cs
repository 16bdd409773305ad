using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImagePlanCommandTests
{
    private static readonly string[] s_plan =
    [
        "image", "plan", "--vms", "20", "--image-size", "2GiB", "--read-per-vm", "200MiB", "--pattern", "random",
        "--disk-bw", "500MB/s", "--net-bw", "1Gbit/s", "--latency", "0.2ms", "--max-images", "4",
    ];

    [Fact]
    public async Task Plan_PrintsATableRowPerSchemeAndKAndTheBest()
    {
        var (code, output, error) = await ImageCli.RunAsync(s_plan);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("best: ", output, StringComparison.Ordinal);
        foreach (var scheme in new[] { "shared", "unicast", "multicast", "background", "on-demand" })
        {
            Assert.Contains(scheme, output, StringComparison.Ordinal);
        }

        Assert.Equal(1 + (4 * 4), output.Split('\n').Count(line => line.Length > 0 && char.IsAsciiLetterLower(line[0]) && !line.StartsWith("best", StringComparison.Ordinal) && !line.StartsWith("scheme", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Plan_WithJsonAndOneScheme_PrintsOnlyThatScheme()
    {
        var (code, output, error) = await ImageCli.RunAsync([.. s_plan, "--scheme", "multicast", "--json"]);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("\"best\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("OnDemand", output, StringComparison.Ordinal);
        Assert.Equal(4, output.Split("\"scheme\": \"PreDeployMulticast\"").Length - 1 - 1);
    }

    [Theory]
    [InlineData("--image-size", "2 parsecs")]
    [InlineData("--net-bw", "1G")]
    [InlineData("--latency", "soon")]
    [InlineData("--scheme", "carrier-pigeon")]
    [InlineData("--max-images", "0")]
    public async Task Plan_WithABadValue_ExitsUsageAndNamesTheOption(string option, string value)
    {
        var args = s_plan.ToList();
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, _, error) = await ImageCli.RunAsync([.. args]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("jumpstart: ", error, StringComparison.Ordinal);
        Assert.True(error.Contains(option, StringComparison.Ordinal) || error.Contains(value, StringComparison.Ordinal) || error.Contains("max images", StringComparison.Ordinal), error);
    }
}
