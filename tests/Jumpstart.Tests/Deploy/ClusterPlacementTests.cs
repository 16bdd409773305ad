using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>How a cluster deployment spreads or packs its instances by memory, and what a refusal says.</summary>
[Trait(Capabilities.Trait, Capabilities.Deploy)]
public sealed class ClusterPlacementTests
{
    private const long MiB = 1024 * 1024;
    private static readonly long s_vm = ClusterPlacement.BytesPerVm(384);

    [Fact]
    public void Spread_GivesEachNextInstanceToTheHostWithTheFewest_TheMasterToTheRoomiest()
    {
        var placed = ClusterPlacement.Place([new("host-a", 10 * s_vm), new("host-b", 20 * s_vm), new("host-c", 10 * s_vm)], [.. Enumerable.Range(1, 6)], s_vm, PlacementModes.Spread);

        Assert.Equal("host-b", placed[1]);
        Assert.All(new[] { "host-a", "host-b", "host-c" }, h => Assert.Equal(2, placed.Values.Count(v => v == h)));
    }

    [Fact]
    public void Pack_FillsTheRoomiestHostFirst_ThenTheNext()
    {
        var placed = ClusterPlacement.Place([new("host-a", 2 * s_vm), new("host-b", 3 * s_vm), new("host-c", 1 * s_vm)], [.. Enumerable.Range(1, 5)], s_vm, PlacementModes.Pack);

        Assert.Equal(["host-b", "host-b", "host-b", "host-a", "host-a"], Enumerable.Range(1, 5).Select(n => placed[n]));
    }

    [Fact]
    public void Spread_NeverPutsMoreOnAHostThanItsMemoryHolds()
    {
        var placed = ClusterPlacement.Place([new("host-a", 1 * s_vm), new("host-b", 5 * s_vm)], [.. Enumerable.Range(1, 6)], s_vm, PlacementModes.Spread);

        Assert.Equal(1, placed.Values.Count(v => v == "host-a"));
        Assert.Equal(5, placed.Values.Count(v => v == "host-b"));
    }

    [Fact]
    public void TooManyInstances_AreRefused_NamingEachHostsRoomAndWhatIsMissing()
    {
        var refused = Assert.Throws<ClusterCapacityException>(() => ClusterPlacement.Place(
            [new("host-a", (2 * s_vm) + (10 * MiB)), new("host-b", s_vm)], [.. Enumerable.Range(1, 5)], s_vm, PlacementModes.Spread));

        Assert.Equal(69, refused.ExitCode);
        Assert.Contains("cannot hold 5 VMs of 448 MiB each: room for 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("host-a 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("host-b 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("2 more need 896 MiB", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoHost_IsRefused()
    {
        var refused = Assert.Throws<ClusterCapacityException>(() => ClusterPlacement.Place([], [1], s_vm, PlacementModes.Spread));

        Assert.Contains("no host is up", refused.Message, StringComparison.Ordinal);
    }
}
