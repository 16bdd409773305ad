using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Metrics;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Tests.Traffic;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Metrics;

/// <summary>Traffic metrics while hostd's capture service captures a veth into a namespace the test made.</summary>
[Trait(Capabilities.Trait, Capabilities.Metrics)]
[Collection(MetricsCollection.Name)]
public sealed class TrafficMetricsTests
{
    private const int Echoes = 5;

    [ToolFact("ip", "/usr/bin/python3", NeedsRoot = true)]
    public async Task LiveCapture_ReportsItsInterfacesPackets_AndCountsTheFlowsItFinishes()
    {
        using var dir = new TempDirectory("metrics-flows");
        await using var veth = await VethNamespace.CreateAsync();
        var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress], dir.Path);
        Assert.Equal("ready", await responders.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        var options = new TrafficOptions
        {
            Enabled = true,
            DatabasePath = "flows.db",
            CaptureVmTaps = false,
            Interfaces = [new TrafficInterface { Name = veth.HostInterface, Vm = "web-1" }],
        };
        var service = new TrafficService(Options.Create(options), Options.Create(new HostdOptions { StateDirectory = dir.Path }),
            new ServiceCollection().BuildServiceProvider(), NullLogger<TrafficService>.Instance);
        await using (service)
        {
            using var exporter = new MetricsExporter(new HostdObservedMetrics(null, null, service));
            var before = await MetricsText.ScrapeAsync(exporter);
            await service.StartAsync(CancellationToken.None);
            using var udp = new UdpClient();
            for (var i = 0; i < Echoes; i++)
            {
                await udp.SendAsync(new byte[50], new IPEndPoint(IPAddress.Parse(veth.PeerAddress), NamespaceResponders.EchoPort));
                _ = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            var capturing = await MetricsText.ScrapeAsync(exporter);
            await service.StopAsync(CancellationToken.None);
            var stopped = await MetricsText.ScrapeAsync(exporter);

            var device = (HostdObservedMetrics.InterfaceLabel, veth.HostInterface);
            Assert.True(MetricsText.Sum(capturing, HostdObservedMetrics.CaptureReceivedName, device) >= 2 * Echoes, capturing);
            Assert.Equal(2, MetricsText.Samples(capturing, HostdObservedMetrics.CaptureDroppedName).Count(s => s.Labels[HostdObservedMetrics.InterfaceLabel] == veth.HostInterface));
            Assert.DoesNotContain(MetricsText.Samples(stopped, HostdObservedMetrics.CaptureReceivedName), s => s.Labels[HostdObservedMetrics.InterfaceLabel] == veth.HostInterface);
            Assert.True(MetricsText.Sum(stopped, HostdMetrics.TrafficFlowsName) - MetricsText.Sum(before, HostdMetrics.TrafficFlowsName) >= 1, stopped);
            Assert.Equal(MetricsText.Sum(before, HostdMetrics.TrafficFlowsDroppedName), MetricsText.Sum(stopped, HostdMetrics.TrafficFlowsDroppedName));
        }
    }
}
