using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// ndpiReader's inter-arrival rules, one at a time (the agreement over nDPI's captures is in
/// <see cref="NdpiOracleTests"/>): whole truncated milliseconds from microseconds, the server side's
/// gap before SYN/FIN/RST left out, reference times cleared every 10 packets, min/max restarting while the sum is 0.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class NdpiInterArrivalTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void Gaps_AreWholeTruncatedMilliseconds_AndMinMaxRestartWhileTheSumIsZero()
    {
        var flow = Run(Second, [(true, 0, 0), (true, 400_000, 0), (true, 900_000, 0), (true, 6_999_999, 0)]);
        var c2s = flow.NdpiInterArrival!.ClientToServer;

        // Gaps 0.4 ms, 0.5 ms (both 0 ms), then 6.099999 ms (6 ms): the zeros do not hold the minimum.
        Assert.Equal((3L, 6UL, 6UL), (c2s.Count, c2s.Minimum, c2s.Maximum));
        Assert.Equal(2.0, c2s.Mean, 6);
        Assert.Equal(Math.Sqrt(8), c2s.StandardDeviation, 6);
        Assert.Equal(0, flow.NdpiInterArrival.ServerToClient.Count);
    }

    [Fact]
    public void ServerSide_LeavesOutTheGapBeforeSynFinOrRst_ClientSideDoesNot()
    {
        var flow = Run(Second, [(true, 0, TcpFlags.Syn), (false, 10_000_000, TcpFlags.Syn | TcpFlags.Ack), (false, 30_000_000, TcpFlags.Ack), (false, 70_000_000, TcpFlags.Fin), (true, 90_000_000, TcpFlags.Fin)]);
        var ndpi = flow.NdpiInterArrival!;
        Assert.Equal((1L, 20UL), (ndpi.ServerToClient.Count, ndpi.ServerToClient.Maximum));
        Assert.Equal((1L, 90UL), (ndpi.ClientToServer.Count, ndpi.ClientToServer.Maximum));
    }

    [Fact]
    public void ReferenceTimes_AreClearedEvery10Packets()
    {
        var packets = Enumerable.Range(0, 40).Select(i => (true, i * 2_000_000L, (byte)0)).ToArray();
        var flow = Run(Second, packets);

        // 39 gaps of 2 ms, less the ones after the 10th, 20th and 30th packets.
        Assert.Equal(39 - 3, flow.NdpiInterArrival!.ClientToServer.Count);
        Assert.Null(Run(Second, packets, ndpi: false).NdpiInterArrival);
    }

    private static Flow Run(long start, (bool Forward, long Offset, byte Flags)[] packets, bool ndpi = true)
    {
        var flows = new List<Flow>();
        var table = new FlowTable(FlowTableOptions.NdpiCompatible with { NdpiInterArrival = ndpi }, flows.Add);
        foreach (var (forward, offset, flags) in packets)
        {
            var frame = forward ? TestFrames.Tcp("10.0.0.1", 1000, "10.0.0.2", 80, flags) : TestFrames.Tcp("10.0.0.2", 80, "10.0.0.1", 1000, flags);
            var packet = default(DecodedPacket);
            Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(Hostd.Traffic.Pcap.LinkTypes.Ethernet, frame, frame.Length, ref packet));
            table.Add(packet, start + offset, frame.Length);
        }

        table.FinishAll();
        return Assert.Single(flows);
    }
}
