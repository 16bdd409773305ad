using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Clones;

[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class DeployBreakdownTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Breakdown_SplitsEachClonesTime_IntoTheFigTwoStages_WithMeanAndMax()
    {
        var clones = new[] { Timeline("a", 0.1, 0.3, 0.8, 0.9), Timeline("b", 0.2, 0.6, 1.4, 1.7) };

        var breakdown = DeployBreakdown.From(s_start, clones);

        Assert.Equal(2, breakdown.Clones);
        Assert.Equal(DeployStages.All, breakdown.Stages.Select(s => s.Stage));
        AssertFigure(breakdown[DeployStages.BundleVerifyCopy], mean: 0.15, max: 0.2);
        AssertFigure(breakdown[DeployStages.Resume], mean: 0.3, max: 0.4);
        AssertFigure(breakdown[DeployStages.GuestConfiguration], mean: 0.65, max: 0.8);
        AssertFigure(breakdown[DeployStages.CmsRole], mean: 0.2, max: 0.3);
        AssertFigure(breakdown[DeployStages.Total], mean: 1.3, max: 1.7);
        Assert.Equal(0.6, breakdown.AllRunningSeconds, 6);
        Assert.Equal(1.7, breakdown.AllReadySeconds!.Value, 6);
    }

    [Fact]
    public void Breakdown_WithAClonesThatNeverGotItsRole_HasNoAllReadyTime_AndCountsOnlyThoseThatDid()
    {
        var clones = new[] { Timeline("a", 0.1, 0.3, 0.8, 0.9), Timeline("b", 0.1, 0.3, null, null) };

        var breakdown = DeployBreakdown.From(s_start, clones);

        Assert.Null(breakdown.AllReadySeconds);
        Assert.Equal(2, breakdown[DeployStages.Resume].Clones);
        Assert.Equal(1, breakdown[DeployStages.GuestConfiguration].Clones);
        Assert.Equal(1, breakdown[DeployStages.Total].Clones);
    }

    [Fact]
    public void Breakdown_OfNoClones_IsRefused()
        => Assert.Throws<ArgumentException>(() => DeployBreakdown.From(s_start, []));

    private static void AssertFigure(StageFigure figure, double mean, double max)
    {
        Assert.Equal(mean, figure.MeanSeconds, 6);
        Assert.Equal(max, figure.MaxSeconds, 6);
    }

    private static CloneTimeline Timeline(string id, double disks, double running, double? registered, double? ready) => new()
    {
        InstanceId = id,
        RequestedAt = s_start,
        DisksReadyAt = s_start.AddSeconds(disks),
        RunningAt = s_start.AddSeconds(running),
        RegisteredAt = registered is { } r ? s_start.AddSeconds(r) : null,
        ReadyAt = ready is { } y ? s_start.AddSeconds(y) : null,
    };
}
