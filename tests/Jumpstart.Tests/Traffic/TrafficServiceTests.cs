using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
        await using var veth = await VethNamespace.CreateAsync();
        var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress], dir.Path);
        Assert.Equal("ready", await responders.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        var options = new TrafficOptions
        {
            Enabled = true,
            DatabasePath = "flows.db",
            CaptureVmTaps = false,
            Interfaces = [new TrafficInterface { Name = veth.HostInterface, Vm = "web-1", InstanceId = "i-0001", Deployment = "hadoop" }],
        };
        var service = new TrafficService(Options.Create(options), Options.Create(new HostdOptions { StateDirectory = dir.Path }),
            new ServiceCollection().BuildServiceProvider(), NullLogger<TrafficService>.Instance);
        await using (service)
        {
            await service.StartAsync(CancellationToken.None);
            Assert.Equal([veth.HostInterface], service.Interfaces);
            using var udp = new UdpClient();
            for (var i = 0; i < 5; i++)
            {
                await udp.SendAsync(new byte[50], new IPEndPoint(IPAddress.Parse(veth.PeerAddress), NamespaceResponders.EchoPort));
                _ = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            await service.StopAsync(CancellationToken.None);
        }

        using var store = FlowStore.Open(dir.Combine("flows.db"), new FlowStoreOptions());
        var echo = Assert.Single(store.Query(new FlowQuery { Vm = "web-1" }), r => r.ServerPort == NamespaceResponders.EchoPort);
        Assert.Equal(("i-0001", "hadoop"), (echo.InstanceId, echo.Deployment));
        Assert.Equal((5L, 5L), (echo.Features.Forward.Packets, echo.Features.Backward.Packets));
        Assert.Equal(5 * (14 + 20 + 8 + 100), echo.Features.DownBytes);
    }
}
