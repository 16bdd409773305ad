using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Manager;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>The manager's choice of transport: predicted times from sizes, host counts and measured link rates.</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class DistributionPlannerTests
{
    private const long GiB = 1L << 30;
    private const int Chunk = 4 << 20;

    private static DistributionPlanner Planner(bool multicast = true) => new(new ClusterOptions { Multicast = multicast, AssumedLinkMbps = 1000, MulticastRateMbps = 1000 });

    private static string[] Hosts(int n) => [.. Enumerable.Range(1, n).Select(i => $"h{i}")];

    [Fact]
    public void OneHost_IsUnicast_TheSimplestOnATie()
        => Assert.Equal(BundleTransports.Unicast, Planner().Choose("src", Hosts(1), GiB, Chunk, null).Transport);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void SeveralHostsOnEqualLinks_AreAChain_WhoseTimeIsAboutOneCopy(int n)
    {
        var (transport, reason) = Planner().Choose("src", Hosts(n), GiB, Chunk, BundleTransports.Auto);

        Assert.Equal(BundleTransports.Chain, transport);
        Assert.Contains("assumed", reason, StringComparison.Ordinal);
        Assert.Contains("unicast", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyHosts_WhereTheChainsHopsCostMoreThanUftpsSetUp_AreMulticast_UnlessItIsOff()
    {
        // 100 hosts: 99 chunk times (about 3.3 s at 1 Gbit/s) exceed multicast's 2 s of rounds.
        Assert.Equal(BundleTransports.Multicast, Planner().Choose("src", Hosts(100), GiB, Chunk, null).Transport);
        Assert.Equal(BundleTransports.Chain, Planner(multicast: false).Choose("src", Hosts(100), GiB, Chunk, null).Transport);
    }

    [Fact]
    public void AForcedTransport_IsKept_WithThatReason()
    {
        var (transport, reason) = Planner().Choose("src", Hosts(3), GiB, Chunk, BundleTransports.Unicast);

        Assert.Equal(BundleTransports.Unicast, transport);
        Assert.Equal("forced by the operator", reason);
    }

    [Fact]
    public void MeasuredRates_AreUsed_AndAUnicastFanOutDoesNotLowerTheHostsRates()
    {
        var planner = Planner();
        planner.Learn("src", Record(BundleTransports.Chain, ("h1", GiB, 10.0)));
        Assert.Equal(GiB / 10.0, planner.RateOf("h1"), 3);

        // Four streams shared the source's link: each host got a quarter of it, which is not its own link's rate.
        planner.Learn("src", Record(BundleTransports.Unicast, ("h2", GiB, 40.0), ("h3", GiB, 40.0), ("h4", GiB, 40.0), ("h5", GiB, 40.0)));
        Assert.Equal(1000 * 1e6 / 8, planner.RateOf("h2"), 3);
        Assert.Equal(4 * GiB / 40.0, planner.RateOf("src"), 3);
        Assert.Contains("measured", planner.Choose("src", ["h1"], GiB, Chunk, null).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordsNamingEndlessHosts_OrAbsurdRates_KeepAtMostTheMaximumOfHosts()
    {
        var planner = Planner();
        for (var i = 0; i < ClusterLimits.MaxHosts + 50; i++)
        {
            planner.Learn("src", Record(BundleTransports.Chain, ($"ghost-{i}", GiB, 10.0)));
        }

        planner.Learn("src", Record(BundleTransports.Chain, ("h1", GiB, 0.0), ("h2", long.MaxValue, double.Epsilon)));

        Assert.Equal(GiB / 10.0, planner.RateOf("ghost-0"), 3);
        Assert.Equal(1000 * 1e6 / 8, planner.RateOf($"ghost-{ClusterLimits.MaxHosts + 10}"), 3);
        Assert.Equal(1000 * 1e6 / 8, planner.RateOf("h1"), 3);
    }

    private static DistributionRecord Record(string transport, params (string Host, long Bytes, double Seconds)[] hosts) => new()
    {
        BundleId = new string('a', 64),
        Bytes = GiB,
        Transport = transport,
        Seconds = hosts.Max(h => h.Seconds),
        Hosts = [.. hosts.Select(h => new DistributeHostResult { Host = h.Host, State = DistributeStates.Done, Bytes = h.Bytes, Seconds = h.Seconds })],
    };
}
