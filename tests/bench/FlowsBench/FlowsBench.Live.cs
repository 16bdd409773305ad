using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Traffic;

namespace Jumpstart.Bench.Flows;

public static partial class FlowsBench
{
    /// <summary>
    /// Live capture on the host end of a veth pair into a namespace while (1) a bulk TCP transfer and
    /// (2) a flood of small UDP datagrams run into it; packets/s captured and pcap_stats drops.
    /// </summary>
    private static async Task LiveAsync(BenchOptions options, List<string> summary)
    {
        if (Environment.UserName != "root")
        {
            Console.WriteLine("live: skipped (needs root for a network namespace)");
            return;
        }

        await using var veth = await VethNamespace.CreateAsync();
        var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress]);
        if (await responders.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) != "ready")
        {
            Console.WriteLine("live: responders did not start");
            return;
        }

        var peer = IPAddress.Parse(veth.PeerAddress);
        foreach (var (name, traffic) in new (string, Func<TimeSpan, Task<long>>)[] { ("tcp_bulk", d => BulkTcpAsync(peer, d)), ("udp_small", d => UdpFloodAsync(peer, d)) })
        {
            long flows = 0;
            var capture = LiveFlowCapture.Start(veth.HostInterface, new PcapLiveOptions { SnapLength = 128 }, new FlowTableOptions(), _ => flows++);
            PcapStatistics statistics;
            double seconds;
            long sent;
            await using (capture)
            {
                var clock = Stopwatch.StartNew();
                sent = await traffic(TimeSpan.FromSeconds(options.LiveSeconds));
                seconds = clock.Elapsed.TotalSeconds;
                await Task.Delay(300);
                statistics = await capture.StopAsync(TimeSpan.FromSeconds(30));
            }

            var captured = capture.Table.Counters.TotalPackets;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"live_{name}: sent {sent} (bytes for TCP, datagrams for UDP) in {seconds:0.00} s; captured {captured} packets = {captured / seconds:0} pps; pcap_stats received {statistics.Received}, dropped {statistics.Dropped}, interface dropped {statistics.InterfaceDropped}; {flows} flows"));
            summary.Add(string.Create(CultureInfo.InvariantCulture, $"live {name} {captured / seconds:0} pps captured, {statistics.Dropped} dropped"));
        }
    }

    private static async Task<long> BulkTcpAsync(IPAddress peer, TimeSpan duration)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(peer, NamespaceResponders.SinkPort);
        await using var stream = client.GetStream();
        var chunk = new byte[64 * 1024];
        long sent = 0;
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < duration; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        return sent;
    }

    private static async Task<long> UdpFloodAsync(IPAddress peer, TimeSpan duration)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var payload = new byte[64];
        long sent = 0;
        var target = new IPEndPoint(peer, 7777);
        await Task.Run(() =>
        {
            for (var clock = Stopwatch.StartNew(); clock.Elapsed < duration;)
            {
                for (var i = 0; i < 256; i++, sent++)
                {
                    // Distinct source ports in turn would be more flows; one port keeps it one flow per run.
                    socket.SendTo(payload, target);
                }
            }
        });
        return sent;
    }
}
