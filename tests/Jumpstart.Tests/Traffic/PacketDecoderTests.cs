using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class PacketDecoderTests
{
    [Fact]
    public void Decode_EthernetTcp_GivesEndpointsFlagsAndIpLength()
    {
        var frame = TestFrames.Tcp("10.0.0.1", 1234, "10.0.0.2", 80, TcpFlags.Syn, payload: 10);
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal("10.0.0.1", FlowAddress.Format(packet.Source));
        Assert.Equal("10.0.0.2", FlowAddress.Format(packet.Destination));
        Assert.Equal((1234, 80), (packet.SourcePort, packet.DestinationPort));
        Assert.Equal(IpProtocols.Tcp, packet.Protocol);
        Assert.Equal(TcpFlags.Syn, packet.TcpFlags);
        Assert.Equal(50, packet.IpLength);
    }

    [Fact]
    public void Decode_QinQTaggedFrame_ReportsInnerVlan()
    {
        var frame = TestFrames.Ethernet(TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, TestFrames.UdpSegment(53, 5353, 4)), 100, 7);
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal(7, packet.VlanId);
        Assert.Equal((53, 5353), (packet.SourcePort, packet.DestinationPort));
    }

    [Theory]
    [InlineData(LinkTypes.LinuxSll)]
    [InlineData(LinkTypes.LinuxSll2)]
    [InlineData(LinkTypes.Raw)]
    public void Decode_CookedAndRawLinks_FindTheSameIpv6Udp(int linkType)
    {
        var ip = TestFrames.Ip("2001:db8::1", "2001:db8::2", 17, TestFrames.UdpSegment(1000, 2000, 3));
        var frame = linkType switch
        {
            LinkTypes.LinuxSll => TestFrames.Sll(ip),
            LinkTypes.LinuxSll2 => TestFrames.Sll2(ip),
            _ => ip,
        };
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(linkType, frame, frame.Length, ref packet));
        Assert.Equal("2001:db8::1", FlowAddress.Format(packet.Source));
        Assert.Equal((1000, 2000), (packet.SourcePort, packet.DestinationPort));
        Assert.Equal(6, packet.IpVersion);
    }

    [Fact]
    public void Decode_Ipv4WithOptions_SkipsThemByHeaderLength()
    {
        var frame = TestFrames.Ethernet(TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, TestFrames.UdpSegment(7, 9, 0), ipv4OptionWords: 3));
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal((7, 9), (packet.SourcePort, packet.DestinationPort));
    }

    [Fact]
    public void Decode_Ipv6ExtensionHeadersAndFragment_ReachTheTransport()
    {
        // Hop-by-hop (8 bytes) -> fragment header (first fragment, M=1) -> UDP.
        var udp = TestFrames.UdpSegment(4000, 5000, 0);
        var chain = new byte[8 + 8 + udp.Length];
        chain[0] = IpProtocols.Fragment;
        chain[8] = IpProtocols.Udp;
        chain[8 + 3] = 1; // offset 0, more fragments
        chain[8 + 7] = 42; // identification
        udp.CopyTo(chain, 16);
        var frame = TestFrames.Ethernet(TestFrames.Ip("2001:db8::1", "2001:db8::2", IpProtocols.HopByHop, chain));
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal(IpProtocols.Udp, packet.Protocol);
        Assert.True(packet.IsFirstFragment);
        Assert.Equal(42u, packet.FragmentId);
        Assert.Equal((4000, 5000), (packet.SourcePort, packet.DestinationPort));
    }

    [Fact]
    public void Decode_LaterIpv4Fragment_HasNoPortsAndSaysSo()
    {
        var frame = TestFrames.Ethernet(TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, new byte[16], fragment: 185, id: 9));
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.True(packet.IsLaterFragment);
        Assert.Equal(9u, packet.FragmentId);
        Assert.Equal(0, packet.SourcePort);
    }

    [Fact]
    public void Decode_SnapLengthCutBeforePorts_IsTruncatedButCutAfterPortsIsOk()
    {
        var frame = TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2, payload: 1000);
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Truncated, PacketDecoder.Decode(LinkTypes.Ethernet, frame.AsSpan(0, 36), frame.Length, ref packet));
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame.AsSpan(0, 64), frame.Length, ref packet));
        Assert.Equal(1040, packet.IpLength);
    }

    [Fact]
    public void Decode_IpLengthBeyondTheWireFrame_IsMalformed()
    {
        var frame = TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2, payload: 100);
        var packet = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Malformed, PacketDecoder.Decode(LinkTypes.Ethernet, frame.AsSpan(0, 70), wireLength: 70, ref packet));
    }

    [Fact]
    public void Decode_EveryTruncationAndByteFlip_NeverThrows_AndIsOkOnlyOnceThePortsAreCaptured()
    {
        const int PortsLength = 4;
        var udp = TestFrames.UdpSegment(1, 2, 4);
        var frames = new (byte[] Frame, int TransportLength)[]
        {
            (TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2, payload: 20), 20 + 20),
            (TestFrames.Ethernet(TestFrames.Ip("2001:db8::1", "2001:db8::2", 17, udp), 5, 6), udp.Length),
        };
        var random = new Random(5);
        var packet = default(DecodedPacket);
        foreach (var (original, transportLength) in frames)
        {
            // A capture cut below the transport ports is not a flow's packet: never Ok. From the ports on it
            // is, counted with its wire length.
            var transportStart = original.Length - transportLength;
            for (var length = 0; length <= original.Length; length++)
            {
                packet = default;
                var status = PacketDecoder.Decode(LinkTypes.Ethernet, original.AsSpan(0, length), original.Length, ref packet);
                if (length < transportStart + PortsLength)
                {
                    Assert.True(status != DecodeStatus.Ok, $"{length} of {original.Length} bytes (ports at {transportStart}) decoded as Ok");
                }
                else
                {
                    Assert.Equal(DecodeStatus.Ok, status);
                    Assert.Equal((1, 2), (packet.SourcePort, packet.DestinationPort));
                }
            }

            foreach (var linkType in new[] { LinkTypes.Ethernet, LinkTypes.LinuxSll, LinkTypes.LinuxSll2, LinkTypes.Raw, LinkTypes.Null, LinkTypes.Ppp, LinkTypes.Ppi, 12345 })
            {
                for (var length = 0; length <= original.Length; length++)
                {
                    _ = PacketDecoder.Decode(linkType, original.AsSpan(0, length), original.Length, ref packet);
                }

                for (var round = 0; round < 2_000; round++)
                {
                    var mutated = (byte[])original.Clone();
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    _ = PacketDecoder.Decode(linkType, mutated, mutated.Length, ref packet);
                }
            }
        }
    }
}
