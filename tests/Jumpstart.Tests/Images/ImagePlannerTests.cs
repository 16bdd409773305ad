using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>Limits and monotonicity of the cost model (the measured comparison is in PlannerMeasuredRunTests).</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImagePlannerTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    private static PlanInput Cluster(int vms = 20, int maxImages = 8) => new()
    {
        Vms = vms,
        ImageSize = 2 * GiB,
        ReadPerVm = 200 * MiB,
        Pattern = AccessPattern.Random,
        DiskBandwidth = 500e6,
        NetworkBandwidth = 1e9 / 8,
        Latency = 0.0002,
        MaxImages = maxImages,
    };

    [Theory]
    [InlineData(DistributionScheme.PreDeployUnicast)]
    [InlineData(DistributionScheme.PreDeployMulticast)]
    public void MoreImages_NeverIncreaseRunningDelay(DistributionScheme scheme)
    {
        var input = Cluster();
        var delays = Enumerable.Range(1, 8).Select(k => ImagePlanner.Predict(input, scheme, k).AccessDelaySeconds).ToList();

        for (var k = 1; k < delays.Count; k++)
        {
            Assert.True(delays[k] <= delays[k - 1] * (1 + 1e-12), $"k={k + 1}: {delays[k]} > k={k}: {delays[k - 1]}");
        }

        Assert.True(delays[^1] < delays[0] / 2, "eight servers should at least halve the delay of one under a 20-VM load");
    }

    [Fact]
    public void MulticastDistributionTime_IsIndependentOfK_WhileUnicastGrows()
    {
        var input = Cluster();
        var multicast = Enumerable.Range(1, 8).Select(k => ImagePlanner.Predict(input, DistributionScheme.PreDeployMulticast, k).DistributionSeconds).ToList();
        var unicast = Enumerable.Range(1, 8).Select(k => ImagePlanner.Predict(input, DistributionScheme.PreDeployUnicast, k).DistributionSeconds).ToList();

        Assert.All(multicast, t => Assert.Equal(multicast[0], t, 9));
        Assert.True(multicast[0] > 0);
        for (var k = 1; k < unicast.Count; k++)
        {
            Assert.True(unicast[k] > unicast[k - 1]);
        }

        // One copy over a 1 Gbit/s link: 2 GiB / 125 MB/s ≈ 17.2 s.
        Assert.InRange(unicast[0], 17.0, 17.4);
    }

    [Fact]
    public void OnDemandAndShared_DistributeNothing_BackgroundOverlapsItsCopies()
    {
        var input = Cluster();

        Assert.Equal(0, ImagePlanner.Predict(input, DistributionScheme.OnDemand, 4).DistributionSeconds);
        Assert.Equal(0, ImagePlanner.Predict(input, DistributionScheme.Shared, 1).DistributionSeconds);
        var background = ImagePlanner.Predict(input, DistributionScheme.Background, 4);
        Assert.True(background.DistributionSeconds > 0);
        Assert.Equal(background.RunningSeconds, background.CloudSeconds, 9);
    }

    [Fact]
    public void SingleVm_SeesNoQueueing_OnlyLatencyAndTransfer()
    {
        var input = Cluster(vms: 1, maxImages: 1) with { ServerBandwidth = 1e12, NetworkBandwidth = 1e12, DiskBandwidth = 100e6, RequestSize = 1_000_000, ReadPerVm = 100_000_000 };

        var shared = ImagePlanner.Predict(input, DistributionScheme.Shared, 1);

        // 100 requests × (0.2 ms latency + 10 ms transfer at the disk + ~0 on the links).
        Assert.Equal(100 * (0.0002 + 0.01), shared.RunningSeconds, 3);
    }

    [Fact]
    public void SaturatedServer_ApproachesTheBandwidthBound()
    {
        var input = Cluster(vms: 200, maxImages: 1) with { ServerBandwidth = 100e6, NetworkBandwidth = 1e12, DiskBandwidth = 1e12 };

        var shared = ImagePlanner.Predict(input, DistributionScheme.Shared, 1);

        var bound = 200 * 200.0 * MiB / 100e6;
        Assert.InRange(shared.RunningSeconds, bound, bound * 1.02);
    }

    [Fact]
    public void OnDemand_FetchesTheWorkingSetOncePerPseudoImage()
    {
        var input = Cluster() with { WorkingSetFraction = 0.25 };

        var one = ImagePlanner.Predict(input, DistributionScheme.OnDemand, 1);
        var four = ImagePlanner.Predict(input, DistributionScheme.OnDemand, 4);

        Assert.Equal(0.25 * 2 * GiB, one.ServerBytes, 0);
        Assert.Equal(4 * 0.25 * 2 * GiB, four.ServerBytes, 0);
    }

    [Fact]
    public void ComputeBoundApplication_IsBestServedWithoutPreDeployment()
    {
        var input = Cluster(vms: 4) with { ReadPerVm = 1 * MiB, ComputeSeconds = 600 };

        var plan = ImagePlanner.Plan(input);

        Assert.Contains(plan.Best.Scheme, new[] { DistributionScheme.Shared, DistributionScheme.OnDemand });
        Assert.Equal(0, plan.Best.DistributionSeconds);
        Assert.InRange(plan.Best.CloudSeconds, 600, 601);
    }

    [Fact]
    public void HeavyReaders_OnASlowServer_AreBestServedByManyImages()
    {
        var input = Cluster(vms: 100, maxImages: 16) with { ReadPerVm = 2 * GiB, Pattern = AccessPattern.Sequential, NetworkBandwidth = 10e9 / 8, ServerBandwidth = 1e9 / 8 };

        var plan = ImagePlanner.Plan(input);

        Assert.NotEqual(DistributionScheme.Shared, plan.Best.Scheme);
        Assert.True(plan.Best.Images > 4, $"best was {plan.Best.Scheme} k={plan.Best.Images}");
        Assert.Equal(plan.Predictions.Min(p => p.CloudSeconds), plan.Best.CloudSeconds);
    }

    [Fact]
    public void Plan_CoversEverySchemeAndK_SharedOnlyOnce()
    {
        var plan = ImagePlanner.Plan(Cluster(maxImages: 3));

        Assert.Equal(1 + (4 * 3), plan.Predictions.Count);
        Assert.Single(plan.Predictions, p => p.Scheme == DistributionScheme.Shared);
    }

    [Fact]
    public void Plan_CapsKAtTheNumberOfHosts()
    {
        var plan = ImagePlanner.Plan(Cluster(vms: 6, maxImages: 50) with { Hosts = 2 }, [DistributionScheme.OnDemand]);

        Assert.Equal([1, 2], plan.Predictions.Select(p => p.Images));
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(0.01)]
    public void ApproximateMva_AgreesWithTheExactRecursion_AtTheSwitchOver(double thinkMilliseconds)
    {
        var stations = new[] { new ClosedQueueingModel.StationGroup(0.001, 1), new ClosedQueueingModel.StationGroup(0.004, 4), new ClosedQueueingModel.StationGroup(0.00001, 100) };
        var n = ClosedQueueingModel.ExactLimit;

        var exact = ClosedQueueingModel.Exact(n, thinkMilliseconds / 1000, stations);
        var approximate = ClosedQueueingModel.Approximate(n, thinkMilliseconds / 1000, stations);

        Assert.InRange(approximate, exact * 0.97, exact * 1.03);
    }

    [Fact]
    public void Plan_ForAMillionVmsAndManyImages_FinishesAndStillPrefersCopies()
    {
        var input = Cluster(vms: PlanInput.MaxVms, maxImages: 64) with { Hosts = 10_000, ReadPerVm = 100 * MiB, ServerBandwidth = 10e9 / 8 };

        var plan = ImagePlanner.Plan(input);

        Assert.Equal(1 + (4 * 64), plan.Predictions.Count);
        Assert.NotEqual(DistributionScheme.Shared, plan.Best.Scheme);
        Assert.All(plan.Predictions, p => Assert.True(double.IsFinite(p.CloudSeconds) && p.CloudSeconds > 0));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 0)]
    [InlineData(10, 2000)]
    public void Plan_RejectsOutOfRangeCounts(int vms, int maxImages)
        => Assert.Throws<PlanInputException>(() => ImagePlanner.Plan(Cluster() with { Vms = vms, MaxImages = maxImages }));

    [Fact]
    public void Plan_RejectsMoreHostsThanVms()
        => Assert.Throws<PlanInputException>(() => ImagePlanner.Plan(Cluster(vms: 2) with { Hosts = 3 }));
}
