using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>Live capture details: the stop on an idle interface, BPF filters, and typed errors.</summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class LiveSourceTests
{
    [ToolFact("ip", NeedsRoot = true)]
    public async Task Stop_OnAnIdleInterfaceWithALongReadTimeout_ReturnsPromptly()
    {
        await using var veth = await VethNamespace.CreateAsync();
        using var source = PcapSource.OpenLive(veth.HostInterface, new PcapLiveOptions { ReadTimeout = TimeSpan.FromMinutes(10), Filter = "udp port 1" });
        var reader = Task.Factory.StartNew(() => source.TryRead(out _, out _), TaskCreationOptions.LongRunning);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        source.Stop();
        Assert.Equal(PcapReadResult.Stopped, await reader.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
        Assert.Equal(PcapReadResult.Stopped, source.TryRead(out _, out _));
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task BpfFilter_KeepsOnlyMatchingPackets()
    {
        await using var veth = await VethNamespace.CreateAsync();
        var flows = new List<Flow>();
        var capture = LiveFlowCapture.Start(veth.HostInterface, new PcapLiveOptions { Filter = "udp dst port 7001" }, new FlowTableOptions(), flows.Add);
        await using (capture)
        {
            using var udp = new UdpClient();
            foreach (var port in new[] { 7001, 7002, 7001, 7003 })
            {
                await udp.SendAsync(new byte[10], new IPEndPoint(IPAddress.Parse(veth.PeerAddress), port));
            }

            await capture.StopAsync(TimeSpan.FromSeconds(10));
        }

        var flow = Assert.Single(flows);
        Assert.Equal((7001, 2L), (flow.ServerPort, flow.Forward.Packets));
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task OpenLive_BadFilterOrMissingDevice_ThrowTypedErrors()
    {
        await using var veth = await VethNamespace.CreateAsync();
        var bad = Assert.Throws<PcapException>(() => PcapSource.OpenLive(veth.HostInterface, new PcapLiveOptions { Filter = "udp port banana" }));
        Assert.Contains("filter", bad.Message, StringComparison.Ordinal);
        Assert.Throws<PcapDeviceException>(() => PcapSource.OpenLive("jsnosuchdev0", new PcapLiveOptions()));
    }
}
