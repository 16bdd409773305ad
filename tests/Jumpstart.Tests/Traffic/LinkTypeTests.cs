using System.Buffers.Binary;
using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Link types (issue 19 section 2): a TCP conversation written on each link type libpcap hands us
/// from capture files that carry IP, checked against tshark's per-direction sums; a link type the
/// decoder does not know is counted per type, in the counters and in <c>jumpstart flows extract</c>'s summary.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class LinkTypeTests
{
    public static TheoryData<string, bool> Links()
    {
        var data = new TheoryData<string, bool>();
        foreach (var link in new[] { "null", "loop", "ppp", "ppp-no-address", "ppp-hdlc", "ppp-hdlc-cisco", "cisco-hdlc", "raw", "ipv4", "ipv6", "sll", "sll2" })
        {
            data.Add(link, false);
            data.Add(link, true);
        }

        return data;
    }

    [ToolTheory("tshark")]
    [MemberData(nameof(Links))]
    public async Task Conversation_OnEveryLinkType_MatchesTsharkPerDirectionSums(string link, bool ipv6)
    {
        if (link == "ipv4" && ipv6)
        {
            link = "ipv6";
        }
        else if (link == "ipv6" && !ipv6)
        {
            link = "ipv4";
        }

        using var dir = new TempDirectory("links");
        var path = dir.Combine(link + ".pcap");
        var (client, server) = ipv6 ? ("2001:db8:7::1", "2001:db8:7::2") : ("10.7.0.1", "10.7.0.2");
        var linkType = 0;
        using (var writer = new PcapFileWriter(path, LinkTypeOf(link)))
        {
            for (var i = 0; i < 5; i++)
            {
                var forward = i % 2 == 0;
                var ip = forward
                    ? TestFrames.Ip(client, server, 6, TunnelFrames.TcpSegment(33000, 22, 0x18, i * 50))
                    : TestFrames.Ip(server, client, 6, TunnelFrames.TcpSegment(22, 33000, 0x18, i * 70));
                var frame = Frame(link, ip);
                writer.Write(new CapturedPacket(1_000_000L * (i + 1), frame.Length, frame.Length), frame);
            }
        }

        using (var source = PcapSource.OpenFile(path))
        {
            linkType = source.LinkType;
        }

        var flows = new List<Flow>();
        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions(), flows.Add);
        var flow = Assert.Single(flows);
        Assert.Equal(5, counters.FlowPackets);
        var tshark = await TunnelTests.TsharkInnerSumsAsync(path);
        Assert.Equal(2, tshark.Count);
        Assert.Equal(tshark[$"{client}:33000>{server}:22"], (flow.Forward.Packets, flow.Forward.Bytes));
        Assert.Equal(tshark[$"{server}:22>{client}:33000"], (flow.Backward.Packets, flow.Backward.Bytes));
        Assert.True(linkType >= 0);
    }

    [Fact]
    public async Task UnknownLinkType_IsCountedPerType_InTheCountersAndTheCliSummary()
    {
        using var dir = new TempDirectory("links");
        var path = dir.Combine("user0.pcap");
        const int User0 = 147;
        using (var writer = new PcapFileWriter(path, User0))
        {
            for (var i = 0; i < 3; i++)
            {
                var frame = TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2);
                writer.Write(new CapturedPacket(i * 1_000L, frame.Length, frame.Length), frame);
            }
        }

        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions(), _ => { });
        Assert.Equal(3, counters.UnsupportedLinkTypes[User0]);
        Assert.Equal(3, counters.UnsupportedLinkPackets);

        var run = await HostileFiles.RunCliAsync("flows", "extract", path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("unsupported link type 147: 3 packets", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliTunnelLayer_OuterKeysTheUnderlay_InnerTheTunnelledFlow()
    {
        using var dir = new TempDirectory("links");
        var path = dir.Combine("vxlan.pcap");
        var frame = TunnelFrames.Wrap("vxlan", TestFrames.Ip("10.1.1.1", "10.1.1.2", 6, TunnelFrames.TcpSegment(1000, 80, 0x02, 0)), reply: false);
        using (var writer = new PcapFileWriter(path, LinkTypes.Ethernet))
        {
            writer.Write(new CapturedPacket(1, frame.Length, frame.Length), frame);
        }

        var inner = await HostileFiles.RunCliAsync("flows", "extract", path);
        var outer = await HostileFiles.RunCliAsync("flows", "extract", path, "--tunnel-layer", "outer");
        Assert.True(inner.ExitCode == 0 && outer.ExitCode == 0, $"{inner} / {outer}");
        Assert.Contains("1 tunnelled", inner.StandardError, StringComparison.Ordinal);
        Assert.Contains("0 tunnelled", outer.StandardError, StringComparison.Ordinal);
        var bad = await HostileFiles.RunCliAsync("flows", "extract", path, "--tunnel-layer", "middle");
        Assert.NotEqual(0, bad.ExitCode);
    }

    [Theory]
    [InlineData("cisco-hdlc")]
    [InlineData("ppp-hdlc")]
    [InlineData("ppp-no-address")]
    [InlineData("null")]
    public void EveryTruncation_IsTruncatedOrTheFlow(string link)
    {
        var frame = Frame(link, TestFrames.Ip("10.0.0.1", "10.0.0.2", 17, TestFrames.UdpSegment(5, 6, 20)));
        var packet = default(DecodedPacket);
        for (var length = 0; length <= frame.Length; length++)
        {
            var status = PacketDecoder.Decode(LinkTypeOf(link), frame.AsSpan(0, length), frame.Length, ref packet);
            Assert.True(status is DecodeStatus.Truncated or DecodeStatus.Ok, $"{length}: {status}");
            Assert.True(status != DecodeStatus.Ok || packet.DestinationPort == 6);
        }
    }

    private static int LinkTypeOf(string link) => link switch
    {
        "null" => LinkTypes.Null,
        "loop" => LinkTypes.Loop,
        "ppp" or "ppp-no-address" => LinkTypes.Ppp,
        "ppp-hdlc" or "ppp-hdlc-cisco" => LinkTypes.PppHdlc,
        "cisco-hdlc" => LinkTypes.CiscoHdlc,
        "raw" => LinkTypes.Raw,
        "ipv4" => LinkTypes.Ipv4,
        "ipv6" => LinkTypes.Ipv6,
        "sll" => LinkTypes.LinuxSll,
        "sll2" => LinkTypes.LinuxSll2,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    /// <summary>The frame of <paramref name="ip"/> on <paramref name="link"/> (https://www.tcpdump.org/linktypes.html).</summary>
    private static byte[] Frame(string link, byte[] ip)
    {
        var v6 = (ip[0] >> 4) == 6;
        var etherType = v6 ? (ushort)0x86DD : (ushort)0x0800;
        var pppProtocol = v6 ? (ushort)0x0057 : (ushort)0x0021;
        byte[] header;
        switch (link)
        {
            case "null":
                header = new byte[4];
                // AF_INET6 as the BSDs number it (24); Linux's 10 is accepted too but Wireshark does not decode it.
                BinaryPrimitives.WriteUInt32LittleEndian(header, v6 ? 24u : 2u);
                break;
            case "loop":
                header = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(header, v6 ? 24u : 2u);
                break;
            case "ppp" or "ppp-hdlc":
                header = [0xFF, 0x03, (byte)(pppProtocol >> 8), (byte)pppProtocol];
                break;
            case "ppp-no-address":
                header = [(byte)(pppProtocol >> 8), (byte)pppProtocol];
                break;
            case "ppp-hdlc-cisco" or "cisco-hdlc":
                header = [0x0F, 0x00, (byte)(etherType >> 8), (byte)etherType];
                break;
            case "sll":
                return TestFrames.Sll(ip);
            case "sll2":
                return TestFrames.Sll2(ip);
            default:
                return ip;
        }

        return [.. header, .. ip];
    }
}
