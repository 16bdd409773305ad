using Jumpstart.Hostd.Metrics;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Traffic;
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
        var bed = await LiveTrafficBed.CreateAsync(dir.Path, "web-1");
        await using (bed)
        {
            var (veth, service) = (bed.Veth, bed.Service);
            using var exporter = new MetricsExporter(new HostdObservedMetrics(null, null, service));
            var before = await MetricsText.ScrapeAsync(exporter);
            await service.StartAsync(CancellationToken.None);
            await bed.EchoAsync(Echoes);

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
