using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>hostd's capture service on a configured interface (a veth into a namespace the test made).</summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class TrafficServiceTests
{
    [ToolFact("ip", "/usr/bin/python3", NeedsRoot = true)]
    public async Task TrafficService_CapturesAConfiguredInterface_AndStoresTaggedFlows()
    {
        using var dir = new TempDirectory("flows");
        var bed = await LiveTrafficBed.CreateAsync(dir.Path, "web-1", "i-0001", "hadoop");
        await using (bed)
        {
            var service = bed.Service;
            await service.StartAsync(CancellationToken.None);
            Assert.Equal([bed.Veth.HostInterface], service.Interfaces);
            await bed.EchoAsync(5);

            await service.StopAsync(CancellationToken.None);
        }

        using var store = FlowStore.Open(dir.Combine("flows.db"), new FlowStoreOptions());
        var echo = Assert.Single(store.Query(new FlowQuery { Vm = "web-1" }), r => r.ServerPort == NamespaceResponders.EchoPort);
        Assert.Equal(("i-0001", "hadoop"), (echo.InstanceId, echo.Deployment));
        Assert.Equal((5L, 5L), (echo.Features.Forward.Packets, echo.Features.Backward.Packets));
        Assert.Equal(5 * (14 + 20 + 8 + 100), echo.Features.DownBytes);
    }
}
