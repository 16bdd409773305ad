using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Live capture on the host end of a veth pair into a namespace the test made, while the test runs
/// HTTP, DNS, bulk TCP and UDP against responders inside it; our flows are checked against
/// tshark's exact per-direction sums over the capture file our capture wrote.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class LiveCaptureTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [ToolFact("ip", "tshark", "/usr/bin/python3", NeedsRoot = true)]
    public async Task LiveCapture_HttpDnsBulkTcpAndUdp_MatchTsharkPerDirectionSums()
    {
        using var dir = new TempDirectory("flows");
        await File.WriteAllBytesAsync(dir.Combine("page.bin"), new byte[300_000]);
        await using var veth = await VethNamespace.CreateAsync();
        var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress], dir.Path);
        Assert.Equal("ready", await responders.StandardOutput.ReadLineAsync().WaitAsync(s_bound));

        var pcap = dir.Combine("live.pcap");
        var flows = new List<Flow>();
        PcapStatistics statistics;
        using (var writer = new PcapFileWriter(pcap, LinkTypes.Ethernet))
        {
            var capture = LiveFlowCapture.Start(veth.HostInterface, new PcapLiveOptions { Filter = "ip" }, new FlowTableOptions(), flows.Add, writer);
            await using (capture)
            {
                await RunTrafficAsync(IPAddress.Parse(veth.PeerAddress));
                await Task.Delay(500);
                statistics = await capture.StopAsync(s_bound);
            }
        }

        // Kernel drops (statistics.Dropped) would not spoil the comparison: tshark reads what our capture saw.
        Assert.True(statistics.Received > 0);
        var tshark = await TsharkSumsAsync(pcap);
        var checkedFlows = 0;
        foreach (var flow in flows.Where(f => f.Protocol is 6 or 17))
        {
            var forward = $"{FlowAddress.Format(flow.Client)}:{flow.ClientPort}>{FlowAddress.Format(flow.Server)}:{flow.ServerPort}";
            var backward = $"{FlowAddress.Format(flow.Server)}:{flow.ServerPort}>{FlowAddress.Format(flow.Client)}:{flow.ClientPort}";
            Assert.Equal(tshark.GetValueOrDefault(forward), (flow.Forward.Packets, flow.Forward.Bytes));
            Assert.Equal(tshark.GetValueOrDefault(backward), (flow.Backward.Packets, flow.Backward.Bytes));
            checkedFlows++;
        }

        // HTTP, bulk TCP, three DNS queries (one source port each) and the UDP echo.
        Assert.True(checkedFlows >= 6, $"only {checkedFlows} TCP/UDP flows captured");
        Assert.Contains(flows, f => f.ServerPort == NamespaceResponders.HttpPort && f.Backward.Bytes > 300_000);
        Assert.Contains(flows, f => f.ServerPort == NamespaceResponders.SinkPort && f.Forward.Bytes > 2_000_000);
        Assert.Equal(3, flows.Count(f => f.ServerPort == NamespaceResponders.DnsPort && f.Backward.Packets == 1));
        Assert.Equal(tshark.Values.Sum(v => v.Packets), flows.Where(f => f.Protocol is 6 or 17).Sum(f => f.Forward.Packets + f.Backward.Packets));
    }

    private static async Task RunTrafficAsync(IPAddress peer)
    {
        using var cancel = new CancellationTokenSource(s_bound);
        using (var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
        {
            var page = await http.GetByteArrayAsync($"http://{peer}:{NamespaceResponders.HttpPort}/page.bin", cancel.Token);
            Assert.Equal(300_000, page.Length);
        }

        for (var i = 0; i < 3; i++)
        {
            using var dns = new UdpClient();
            byte[] query = [0x12, (byte)i, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 7, .. "example"u8, 3, .. "com"u8, 0, 0, 1, 0, 1];
            await dns.SendAsync(query, new IPEndPoint(peer, NamespaceResponders.DnsPort), cancel.Token);
            var answer = await dns.ReceiveAsync(cancel.Token);
            Assert.Equal(query.Length + 16, answer.Buffer.Length);
        }

        using (var bulk = new TcpClient())
        {
            await bulk.ConnectAsync(peer, NamespaceResponders.SinkPort, cancel.Token);
            var chunk = new byte[64 * 1024];
            await using var stream = bulk.GetStream();
            for (var sent = 0; sent < 2_500_000; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, cancel.Token);
            }
        }

        using var echo = new UdpClient();
        for (var i = 0; i < 20; i++)
        {
            await echo.SendAsync(new byte[100 + i], new IPEndPoint(peer, NamespaceResponders.EchoPort), cancel.Token);
            _ = await echo.ReceiveAsync(cancel.Token);
        }
    }

    /// <summary>Per direction ("src:port>dst:port"): packets and frame bytes, as tshark counts them.</summary>
    private static async Task<Dictionary<string, (long Packets, long Bytes)>> TsharkSumsAsync(string pcap)
    {
        var result = await Requirements.RunToolAsync("tshark", ["-n", "-r", pcap, "-T", "fields", "-E", "separator=,",
            "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "frame.len"]);
        var sums = new Dictionary<string, (long Packets, long Bytes)>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(',');
            var sourcePort = f[2].Length > 0 ? f[2] : f[4];
            var destinationPort = f[3].Length > 0 ? f[3] : f[5];
            if (sourcePort.Length == 0 || f[0].Length == 0)
            {
                continue;
            }

            var key = $"{f[0]}:{sourcePort}>{f[1]}:{destinationPort}";
            var (packets, bytes) = sums.GetValueOrDefault(key);
            sums[key] = (packets + 1, bytes + long.Parse(f[6], CultureInfo.InvariantCulture));
        }

        return sums;
    }
}
