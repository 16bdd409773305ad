using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Deployments.Images;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>The image schemes' decisions, in-process: parsing <c>--images</c>, who serves whom, the planner's pick.</summary>
[Trait(Capabilities.Trait, Capabilities.Deploy)]
public sealed class ImagesSchemeTests
{
    [Theory]
    [InlineData("shared", "shared", 1)]
    [InlineData("auto", "auto", 1)]
    [InlineData("copies:3", "copies", 3)]
    [InlineData("pseudo:1", "pseudo", 1)]
    [InlineData("pseudo:64", "pseudo", 64)]
    public void Parse_ReadsEveryForm(string text, string kind, int images)
    {
        var scheme = ImageScheme.Parse(text);

        Assert.Equal((kind, images), (scheme.Kind, scheme.Images));
        Assert.Equal(text, scheme.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Shared")]
    [InlineData("copies")]
    [InlineData("copies:")]
    [InlineData("copies:0")]
    [InlineData("copies:65")]
    [InlineData("copies:-1")]
    [InlineData("copies:+2")]
    [InlineData("copies: 2")]
    [InlineData("pseudo:2:3")]
    [InlineData("multicast:2")]
    [InlineData("copies:99999999999999999999")]
    public void Parse_RefusesAnythingElse_AsARequestError(string? text)
    {
        var refused = Assert.Throws<ClusterRequestException>(() => ImageScheme.Parse(text));

        Assert.Equal(64, refused.ExitCode);
    }

    [Fact]
    public void Plan_WithTwoServers_CopiesToTheHostWithMostClones_AndGivesEachOtherHostTheLeastLoadedServer_TheOriginOnATie()
    {
        var clones = new Dictionary<string, int> { ["host-a"] = 1, ["host-b"] = 4, ["host-c"] = 3, ["host-d"] = 2, ["host-e"] = 0, ["host-f"] = 1 };

        var plan = ImageServingPlan.For(ImageServingPlan.Copy, 2, "host-a", clones);

        Assert.Equal(
            [
                new ImageServingHost("host-a", ImageServingPlan.Real, "host-a", 1),
                new ImageServingHost("host-b", ImageServingPlan.Copy, "host-a", 4),
                new ImageServingHost("host-c", ImageServingPlan.Upstream, "host-a", 3),
                new ImageServingHost("host-d", ImageServingPlan.Upstream, "host-a", 2),
                new ImageServingHost("host-f", ImageServingPlan.Upstream, "host-b", 1),
            ],
            plan);
    }

    [Fact]
    public void Plan_Shared_HasEveryOtherHostReadTheOrigin()
    {
        var clones = new Dictionary<string, int> { ["host-a"] = 2, ["host-b"] = 2, ["host-c"] = 2 };

        var plan = ImageServingPlan.For(ImageServingPlan.Copy, 1, "host-a", clones);

        Assert.All(plan, p => Assert.Equal("host-a", p.Server));
        Assert.Equal([ImageServingPlan.Real, ImageServingPlan.Upstream, ImageServingPlan.Upstream], plan.Select(p => p.Kind));
    }

    [Fact]
    public void Plan_OriginWithoutClones_ServesButIsNotListed_AndMoreServersThanHostsAreCut()
    {
        var clones = new Dictionary<string, int> { ["host-b"] = 3, ["host-c"] = 3 };

        var plan = ImageServingPlan.For(ImageServingPlan.Pseudo, 10, "host-a", clones);

        Assert.Equal(3, ImageServingPlan.Servers(10, "host-a", clones));
        Assert.Equal(
            [new ImageServingHost("host-b", ImageServingPlan.Pseudo, "host-a", 3), new ImageServingHost("host-c", ImageServingPlan.Pseudo, "host-a", 3)],
            plan);
    }

    [Fact]
    public void Auto_PicksASchemeTheDeploymentCanMake_WithinTheHosts_AndSaysWhy()
    {
        var (scheme, reason) = AutoImageScheme.Pick(2L << 30, 20, 4, 1000);

        Assert.Contains(scheme.Kind, new[] { ImageScheme.Shared, ImageScheme.Copies, ImageScheme.Pseudo });
        Assert.InRange(scheme.Images, 1, 4);
        Assert.Contains("planner:", reason, StringComparison.Ordinal);
        Assert.Contains("20 clones on 4 hosts", reason, StringComparison.Ordinal);
        Assert.Contains("1000 Mbit/s", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_OnASlowLink_ForManyClones_DoesNotPickOneSharedServer()
    {
        // 50 clones reading 100 MiB each through one 10 Mbit/s link take hours; copies or pseudo images spread that.
        var (scheme, _) = AutoImageScheme.Pick(1L << 30, 50, 5, 10);

        Assert.NotEqual(ImageScheme.Shared, scheme.Kind);
        Assert.True(scheme.Images > 1, scheme.ToString());
    }

    [Fact]
    public void Auto_RefusesAnImpossibleInput()
    {
        Assert.Throws<ClusterRequestException>(() => AutoImageScheme.Pick(0, 3, 3, 1000));
        Assert.Throws<ClusterRequestException>(() => AutoImageScheme.Pick(1 << 20, 0, 3, 1000));
    }
}
