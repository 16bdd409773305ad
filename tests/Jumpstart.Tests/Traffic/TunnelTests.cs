using System.Globalization;
using Microsoft.Extensions.Configuration;
using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Tunnels (issue 19 section 1): for every kind, a capture file the test writes header by header holds
/// one inner TCP conversation; the inner flow's per-direction packets and bytes must equal tshark's sums
/// over the innermost addresses and ports, the outer layer must key the underlay flow instead, and
/// malformed, cut or too deeply nested tunnels are counted and skipped, never thrown.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class TunnelTests
{
    private const string Client = "10.9.0.1";
    private const string Server = "10.9.0.2";
    private const string Client6 = "2001:db8:9::1";
    private const string Server6 = "2001:db8:9::2";

    public static TheoryData<string, bool> KindsAndFamilies()
    {
        var data = new TheoryData<string, bool>();
        foreach (var kind in TunnelFrames.Kinds)
        {
            data.Add(kind, false);
            data.Add(kind, true);
        }

        return data;
    }

    [ToolTheory("tshark")]
    [MemberData(nameof(KindsAndFamilies))]
    public async Task InnerFlow_OfEveryTunnel_MatchesTsharkPerDirectionSums(string kind, bool innerIpv6)
    {
        using var dir = new TempDirectory("tunnels");
        var path = dir.Combine(kind + ".pcap");
        var frames = WriteConversation(path, kind, innerIpv6);

        var flows = new List<Flow>();
        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions(), flows.Add);
        var flow = Assert.Single(flows);
        Assert.Equal((innerIpv6 ? Client6 : Client, 40001, innerIpv6 ? Server6 : Server, 443), (FlowAddress.Format(flow.Client), (int)flow.ClientPort, FlowAddress.Format(flow.Server), (int)flow.ServerPort));
        Assert.Equal(IpProtocols.Tcp, flow.Protocol);
        Assert.Equal(frames.Count, counters.TunnelledPackets);
        Assert.Equal(0, counters.BadTunnelPackets + counters.MalformedPackets + counters.TruncatedPackets);

        var tshark = await TsharkInnerSumsAsync(path);
        var forward = $"{FlowAddress.Format(flow.Client)}:{flow.ClientPort}>{FlowAddress.Format(flow.Server)}:{flow.ServerPort}";
        var backward = $"{FlowAddress.Format(flow.Server)}:{flow.ServerPort}>{FlowAddress.Format(flow.Client)}:{flow.ClientPort}";
        Assert.Equal(2, tshark.Count);
        Assert.Equal(tshark[forward], (flow.Forward.Packets, flow.Forward.Bytes));
        Assert.Equal(tshark[backward], (flow.Backward.Packets, flow.Backward.Bytes));
        Assert.Equal((3, 2), (flow.Forward.Packets, flow.Backward.Packets));
    }

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void OuterLayer_KeysTheUnderlayFlow(string kind, bool innerIpv6)
    {
        using var dir = new TempDirectory("tunnels");
        var path = dir.Combine(kind + ".pcap");
        var frames = WriteConversation(path, kind, innerIpv6);

        var flows = new List<Flow>();
        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions { Tunnels = FlowTableOptions.TunnelsFor(TunnelLayer.Outer) }, flows.Add);
        Assert.Equal(0, counters.TunnelledPackets);
        Assert.Equal(frames.Count, flows.Sum(f => f.Forward.Packets + f.Backward.Packets));
        Assert.All(flows, f => Assert.True(FlowAddress.Format(f.Client).StartsWith("192.0.2.", StringComparison.Ordinal) || FlowAddress.Format(f.Client).StartsWith("2001:db8:ffff::", StringComparison.Ordinal), FlowAddress.Format(f.Client)));
        Assert.Equal(frames.Sum(f => (long)f.Length), flows.Sum(f => f.Forward.Bytes + f.Backward.Bytes));
    }

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void EveryTruncation_ByTheSnapLength_IsTruncatedOrTheInnerFlow_AndByteFlipsNeverThrow(string kind, bool innerIpv6)
    {
        var frame = TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: true, payload: 40), reply: false);
        var packet = default(DecodedPacket);
        for (var length = 0; length <= frame.Length; length++)
        {
            var status = PacketDecoder.Decode(LinkTypes.Ethernet, frame.AsSpan(0, length), frame.Length, ref packet);
            Assert.True(status is DecodeStatus.Truncated or DecodeStatus.Ok, $"{length} of {frame.Length}: {status}");
            if (status == DecodeStatus.Ok)
            {
                Assert.Equal((40001, 443), (packet.SourcePort, packet.DestinationPort));
                Assert.True(packet.TunnelDepth > 0);
            }
        }

        var random = new Random(19);
        for (var i = 0; i < 2_000; i++)
        {
            var mutated = (byte[])frame.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)random.Next(1, 256);
            }

            _ = PacketDecoder.Decode(LinkTypes.Ethernet, mutated.AsSpan(0, random.Next(mutated.Length + 1)), mutated.Length, ref packet);
        }
    }

    public static TheoryData<string> BadTunnels() => new(
        "cut-on-the-wire", "inner-bad-version", "inner-longer-than-outer", "too-deep", "gre-reserved-bits", "gre-version-2",
        "vxlan-without-vni-flag", "geneve-version-1", "gtp-extension-length-0", "gtp-not-ip", "pptp-cut");

    [Theory]
    [MemberData(nameof(BadTunnels))]
    public void BadTunnel_IsCountedAndSkipped_WhileGoodPacketsStillMakeTheirFlow(string bad)
    {
        using var dir = new TempDirectory("tunnels");
        var path = dir.Combine(bad + ".pcap");
        var inner = Inner(false, forward: true, payload: 16);
        var frame = bad switch
        {
            "cut-on-the-wire" => Cut(TunnelFrames.Wrap("vxlan", inner, false), 14 + 20 + 8 + 8 + 14 + 10),
            "inner-bad-version" => TunnelFrames.Wrap("ipip", WithByte(inner, 0, 0x75), false),
            "inner-longer-than-outer" => TunnelFrames.Wrap("gre-ip", WithLength(inner, inner.Length + 100), false),
            "too-deep" => TunnelFrames.NestedIpInIp(inner, PacketDecoder.MaxTunnelDepth + 1),
            "gre-reserved-bits" => WithByte(TunnelFrames.Wrap("gre-ip", inner, false), 14 + 20, 0x40),
            "gre-version-2" => WithByte(TunnelFrames.Wrap("gre-ip", inner, false), 14 + 20 + 1, 0x02),
            "vxlan-without-vni-flag" => TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(1, 4789, TunnelFrames.Vxlan(TestFrames.Ethernet(inner), flags: 0)))),
            "geneve-version-1" => TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(1, 6081, TunnelFrames.Geneve(0x0800, inner, version: 1)))),
            "gtp-extension-length-0" => TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(2152, 2152, TunnelFrames.Gtp(inner, extension: true, extensionLength: 0)))),
            "gtp-not-ip" => TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(2152, 2152, TunnelFrames.Gtp(WithByte(inner, 0, 0x05), extension: false)))),
            "pptp-cut" => Cut(TunnelFrames.Wrap("gre-pptp-ppp", inner, false), 14 + 20 + 14),
            _ => throw new ArgumentOutOfRangeException(nameof(bad)),
        };
        var good = TunnelFrames.Wrap("vxlan", Inner(false, forward: false, payload: 5), reply: true);
        using (var writer = new PcapFileWriter(path, LinkTypes.Ethernet))
        {
            writer.Write(new CapturedPacket(1_000, frame.Length, frame.Length), frame);
            writer.Write(new CapturedPacket(2_000, good.Length, good.Length), good);
        }

        var flows = new List<Flow>();
        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions(), flows.Add);
        Assert.Equal(1, counters.BadTunnelPackets);
        Assert.Equal(2, counters.TotalPackets);
        var flow = Assert.Single(flows);
        Assert.Equal((Server, 443), (FlowAddress.Format(flow.Client), (int)flow.ClientPort));
    }

    [Fact]
    public void NestingUpToTheBound_IsFollowed()
    {
        var packet = default(DecodedPacket);
        var frame = TunnelFrames.NestedIpInIp(Inner(false, forward: true, payload: 1), PacketDecoder.MaxTunnelDepth);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal((PacketDecoder.MaxTunnelDepth, (ushort)443), (packet.TunnelDepth, packet.DestinationPort));
    }

    [Fact]
    public void GtpEchoAndOuterFragments_StayInTheOuterFlow()
    {
        var packet = default(DecodedPacket);
        var echo = new byte[12];
        echo[0] = 0x32;
        echo[1] = 0x01;
        var frame = TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(2152, 2152, echo)));
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet));
        Assert.Equal((0, (ushort)2152, IpProtocols.Udp), (packet.TunnelDepth, packet.DestinationPort, packet.Protocol));

        // A first fragment of a VXLAN datagram (MF set): its later fragments have no inner header, so the outer flow keeps it.
        var vxlan = TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(1, 4789, TunnelFrames.Vxlan(TestFrames.Ethernet(Inner(false, true, 10)))), fragment: 0x2000);
        var fragment = TestFrames.Ethernet(vxlan);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkTypes.Ethernet, fragment, fragment.Length, ref packet));
        Assert.Equal((0, (ushort)4789), (packet.TunnelDepth, packet.DestinationPort));
    }

    [Theory]
    [InlineData("outer", TunnelLayer.Outer)]
    [InlineData("Inner", TunnelLayer.Inner)]
    public void TrafficTunnelLayer_BindsFromHostdConfiguration_ToTheTunnelsFollowed(string value, TunnelLayer expected)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Traffic:TunnelLayer"] = value }).Build();
        var options = configuration.GetSection(Hostd.Traffic.Capture.TrafficOptions.Section).Get<Hostd.Traffic.Capture.TrafficOptions>()!;
        Assert.Equal(expected, options.TunnelLayer);
        Assert.Equal(expected == TunnelLayer.Outer ? TunnelKinds.None : TunnelKinds.All, FlowTableOptions.TunnelsFor(options.TunnelLayer));
        Assert.Equal(TunnelLayer.Inner, new Hostd.Traffic.Capture.TrafficOptions().TunnelLayer);
    }

    /// <summary>Writes a TCP conversation (3 packets forward, 2 back) in tunnel <paramref name="kind"/>; returns the frames.</summary>
    private static List<byte[]> WriteConversation(string path, string kind, bool innerIpv6)
    {
        var frames = new List<byte[]>
        {
            TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: true, payload: 0, flags: 0x02), reply: false),
            TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: false, payload: 0, flags: 0x12), reply: true),
            TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: true, payload: 300), reply: false),
            TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: false, payload: 1200), reply: true),
            TunnelFrames.Wrap(kind, Inner(innerIpv6, forward: true, payload: 7), reply: false),
        };
        using var writer = new PcapFileWriter(path, LinkTypes.Ethernet);
        for (var i = 0; i < frames.Count; i++)
        {
            writer.Write(new CapturedPacket(1_700_000_000_000_000_000 + (i * 1_000_000L), frames[i].Length, frames[i].Length), frames[i]);
        }

        return frames;
    }

    private static byte[] Inner(bool ipv6, bool forward, int payload, byte flags = 0x18)
    {
        var (client, server) = ipv6 ? (Client6, Server6) : (Client, Server);
        return forward
            ? TestFrames.Ip(client, server, 6, TunnelFrames.TcpSegment(40001, 443, flags, payload))
            : TestFrames.Ip(server, client, 6, TunnelFrames.TcpSegment(443, 40001, flags, payload));
    }

    private static byte[] WithByte(byte[] bytes, int offset, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] = value;
        return copy;
    }

    /// <summary>An IPv4 packet whose total length claims <paramref name="length"/>.</summary>
    private static byte[] WithLength(byte[] ip, int length)
    {
        var copy = (byte[])ip.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), (ushort)length);
        return copy;
    }

    /// <summary>The frame cut to <paramref name="length"/> bytes on the wire, its outer IP length fixed to match.</summary>
    private static byte[] Cut(byte[] frame, int length)
    {
        var cut = frame.AsSpan(0, length).ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(14 + 2), (ushort)(length - 14));
        return cut;
    }

    /// <summary>
    /// Per direction ("src:port>dst:port" of the innermost IP header and transport): packets and frame
    /// bytes, as tshark decodes the tunnels (the last occurrence of each field is the innermost).
    /// </summary>
    internal static async Task<Dictionary<string, (long Packets, long Bytes)>> TsharkInnerSumsAsync(string pcap)
    {
        var result = await Requirements.RunToolAsync("tshark", ["-n", "-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=l",
            "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
            "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "frame.len"]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var sums = new Dictionary<string, (long Packets, long Bytes)>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var layers = f[0].Split(':');
            var ipv6 = Array.LastIndexOf(layers, "ipv6") > Array.LastIndexOf(layers, "ip");
            var tcp = Array.LastIndexOf(layers, "tcp") > Array.LastIndexOf(layers, "udp");
            var (source, destination) = ipv6 ? (f[3], f[4]) : (f[1], f[2]);
            var (sourcePort, destinationPort) = tcp ? (f[5], f[6]) : (f[7], f[8]);
            var key = $"{source}:{sourcePort}>{destination}:{destinationPort}";
            var (packets, bytes) = sums.GetValueOrDefault(key);
            sums[key] = (packets + 1, bytes + long.Parse(f[9], CultureInfo.InvariantCulture));
        }

        return sums;
    }
}

/// <summary>
/// A capture file of 100,000 hostile tunnel packets (nesting one level past the bound, GRE with reserved
/// bits, GTP-U extension headers of length 0, VXLAN without its VNI flag, inner packets longer than
/// their tunnel) given to the real <c>jumpstart flows extract</c>: each is counted as a bad tunnel and
/// skipped, the one good flow is still reported, exit 0, in bounded time and memory.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileTunnelTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Packets = 100_000;

    [Fact]
    public async Task FlowsExtract_OfHostileTunnels_CountsThemAsBadTunnels_InBoundedMemory()
    {
        using var dir = new TempDirectory("hostile-tunnels");
        var path = dir.Combine("tunnels.pcap");
        var inner = TestFrames.Ip("10.9.0.1", "10.9.0.2", 6, TunnelFrames.TcpSegment(40001, 443, 0x18, 8));
        var gre = TunnelFrames.Wrap("gre-ip", inner, false);
        gre[14 + 20] = 0x40;
        byte[][] hostile =
        [
            TunnelFrames.NestedIpInIp(inner, Hostd.Traffic.Decoding.PacketDecoder.MaxTunnelDepth + 1),
            gre,
            TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(2152, 2152, TunnelFrames.Gtp(inner, extension: true, extensionLength: 0)))),
            TestFrames.Ethernet(TestFrames.Ip(TunnelFrames.OuterA, TunnelFrames.OuterB, 17, TunnelFrames.Udp(7, 4789, TunnelFrames.Vxlan(TestFrames.Ethernet(inner), flags: 0)))),
        ];
        var good = TunnelFrames.Wrap("vxlan", inner, false);
        using (var writer = new PcapFileWriter(path, LinkTypes.Ethernet))
        {
            for (var i = 0; i < Packets; i++)
            {
                var frame = hostile[i % hostile.Length];
                writer.Write(new CapturedPacket(i * 1_000L, frame.Length, frame.Length), frame);
            }

            writer.Write(new CapturedPacket(Packets * 1_000L, good.Length, good.Length), good);
        }

        var run = await HostileFiles.RunCliAsync("flows", "extract", path);
        output.WriteLine(run.ToString());

        Assert.False(run.TimedOut);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{Packets + 1} packets, 1 flows", run.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{Packets} bad tunnel, 1 tunnelled", run.StandardError, StringComparison.Ordinal);
        Assert.InRange(run.PeakRssBytes, 1, HostileFiles.CliRssBound);
    }
}
