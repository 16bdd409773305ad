using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class FlowTableTests
{
    private const long Second = 1_000_000_000;

    private readonly List<Flow> _finished = [];

    [Fact]
    public void Add_BothDirections_MakeOneFlowWhoseForwardIsTheFirstSender()
    {
        var table = new FlowTable(new FlowTableOptions(), _finished.Add);
        Add(table, TestFrames.Udp("10.0.0.9", 5000, "10.0.0.1", 53, payload: 10), 0);
        Add(table, TestFrames.Udp("10.0.0.1", 53, "10.0.0.9", 5000, payload: 100), Second / 2);
        Add(table, TestFrames.Udp("10.0.0.9", 5000, "10.0.0.1", 53, payload: 10), Second);
        table.FinishAll();

        var flow = Assert.Single(_finished);
        Assert.Equal("10.0.0.9", FlowAddress.Format(flow.Client));
        Assert.Equal((2L, 2L * 52), (flow.Forward.Packets, flow.Forward.Bytes));
        Assert.Equal((1L, 142L), (flow.Backward.Packets, flow.Backward.Bytes));
        Assert.Equal(Second, flow.DurationNanoseconds);
        Assert.Equal(1_000_000, flow.Forward.InterArrivalMicroseconds.Mean, 3);
        Assert.Equal(FlowEndReason.EndOfCapture, flow.EndReason);
    }

    [Fact]
    public void TcpClose_FinBothWays_EndsTheFlowAfterTheLateAckAndASynStartsANewOne()
    {
        var table = new FlowTable(new FlowTableOptions(), _finished.Add);
        Add(table, TestFrames.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Syn), 0);
        Add(table, TestFrames.Tcp("10.0.0.2", 80, "10.0.0.1", 40000, TcpFlags.Syn | TcpFlags.Ack), 1);
        Add(table, TestFrames.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Fin | TcpFlags.Ack), 2);
        Add(table, TestFrames.Tcp("10.0.0.2", 80, "10.0.0.1", 40000, TcpFlags.Fin | TcpFlags.Ack), 3);
        Add(table, TestFrames.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Ack), 4);
        Assert.Empty(_finished);
        Add(table, TestFrames.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Syn), Second / 10);
        var closed = Assert.Single(_finished);
        Assert.Equal(FlowEndReason.TcpClosed, closed.EndReason);
        Assert.Equal(5, closed.Forward.Packets + closed.Backward.Packets);
        Assert.Equal(1, table.ActiveCount);
    }

    [Fact]
    public void IdleTimeout_SplitsAFlowAndExpireFinishesQuietOnes()
    {
        var table = new FlowTable(new FlowTableOptions { IdleTimeout = TimeSpan.FromSeconds(10) }, _finished.Add);
        Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), 0);
        Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), 11 * Second);
        Assert.Equal(FlowEndReason.Idle, Assert.Single(_finished).EndReason);
        table.Expire(30 * Second);
        Assert.Equal(2, _finished.Count);
        Assert.Equal(0, table.ActiveCount);
    }

    [Fact]
    public void ActiveTimeout_CutsALongFlowIntoPieces()
    {
        var table = new FlowTable(new FlowTableOptions { ActiveTimeout = TimeSpan.FromSeconds(5), IdleTimeout = null }, _finished.Add);
        for (var t = 0; t < 12; t++)
        {
            Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), t * Second);
        }

        table.FinishAll();
        Assert.Equal(3, _finished.Count);
        Assert.Equal(12, _finished.Sum(f => f.Forward.Packets));
        Assert.Equal(FlowEndReason.ActiveTimeout, _finished[0].EndReason);
    }

    [Fact]
    public void MaxActiveFlows_EvictsTheLeastRecentlySeenAndCountsIt()
    {
        var table = new FlowTable(new FlowTableOptions { MaxActiveFlows = 2 }, _finished.Add);
        Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), 0);
        Add(table, TestFrames.Udp("10.0.0.1", 3, "10.0.0.2", 4), 1);
        Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), 2);
        Add(table, TestFrames.Udp("10.0.0.1", 5, "10.0.0.2", 6), 3);
        var evicted = Assert.Single(_finished);
        Assert.Equal(3, evicted.ClientPort);
        Assert.Equal(FlowEndReason.Evicted, evicted.EndReason);
        Assert.Equal(1, table.Counters.Evictions);
        Assert.Equal(2, table.ActiveCount);
    }

    [Fact]
    public void LaterFragments_JoinTheirFirstFragmentsFlow_OrAreSkippedWhenAsked()
    {
        var first = TestFrames.Ethernet(TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, TestFrames.UdpSegment(9, 10, 1472), fragment: 0x2000, id: 77));
        var later = TestFrames.Ethernet(TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, new byte[100], fragment: 185, id: 77));
        foreach (var follow in new[] { true, false })
        {
            _finished.Clear();
            var table = new FlowTable(new FlowTableOptions { FollowFragments = follow }, _finished.Add);
            Add(table, first, 0);
            Add(table, later, 1);
            table.FinishAll();
            var flow = Assert.Single(_finished);
            Assert.Equal(follow ? 2 : 1, flow.Forward.Packets);
            Assert.Equal(follow ? 0 : 1, table.Counters.SkippedFragments);
        }
    }

    [Fact]
    public void NimsVector_HasTheNimsColumnsInOrderWithIpLengthsAndMicroseconds()
    {
        var table = new FlowTable(new FlowTableOptions(), _finished.Add);
        Add(table, TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 23, payload: 0), 0);
        Add(table, TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 23, payload: 10), 1_000_000);
        Add(table, TestFrames.Tcp("10.0.0.2", 23, "10.0.0.1", 1, payload: 73), 3_000_000);
        table.FinishAll();
        var vector = NimsFeatures.Vector(Assert.Single(_finished));
        Assert.Equal(22, NimsFeatures.Names.Count);
        Assert.Equal(vector.Length, NimsFeatures.Names.Count);
        var named = NimsFeatures.Names.Zip(vector).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(40, named["min_fpktl"]);
        Assert.Equal(45, named["mean_fpktl"]);
        Assert.Equal(50, named["max_fpktl"]);
        Assert.Equal(7, named["std_fpktl"]); // sample std of {40, 50} = 7.07, truncated
        Assert.Equal(113, named["min_bpktl"]);
        Assert.Equal(1000, named["min_fiat"]);
        Assert.Equal(0, named["min_biat"]);
        Assert.Equal(3000, named["duration"]);
        Assert.Equal(6, named["proto"]);
        Assert.Equal((2, 90, 1, 113), (named["total_fpackets"], named["total_fvolume"], named["total_bpackets"], named["total_bvolume"]));
    }

    [Fact]
    public void Features_BurstinessAndDensity_FollowTheirDefinitions()
    {
        var table = new FlowTable(new FlowTableOptions(), _finished.Add);
        foreach (var t in new long[] { 0, Second, 2 * Second, 3 * Second })
        {
            Add(table, TestFrames.Udp("10.0.0.1", 1, "10.0.0.2", 2), t);
        }

        table.FinishAll();
        var features = FlowFeatures.From(Assert.Single(_finished));
        Assert.Equal(-1, features.Forward.Burstiness, 6); // periodic: sigma = 0
        Assert.Equal(1, features.Forward.DensityPacketsPerSecond, 6);
        Assert.Equal(features.Bytes / 3.0, features.RateBytesPerSecond, 6);
        Assert.Equal(features.Bytes, features.UpBytes);
    }

    private static void Add(FlowTable table, byte[] frame, long time)
    {
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        table.Add(packet, time, frame.Length);
    }
}
