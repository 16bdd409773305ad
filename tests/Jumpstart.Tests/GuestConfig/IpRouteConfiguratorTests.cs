using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.GuestConfig;

/// <summary>The real iproute2 path, against a namespace the test creates and the kernel's own view of it.</summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class IpRouteConfiguratorTests
{
    private const string TemplateMac = "52:54:00:aa:00:01";

    [ToolFact("ip", NeedsRoot = true)]
    public async Task Apply_InANamespace_SetsMacMtuAddressesRoutesAndRename()
    {
        await using var ns = await NetworkNamespace.CreateAsync("ipcfg");
        // A veth pair (this kernel has no dummy driver); the peer is up so the link gets a carrier.
        await ns.IpAsync("link", "add", "tmpl0", "address", TemplateMac, "type", "veth", "peer", "name", "peer0");
        await ns.IpAsync("link", "set", "peer0", "up");
        await ns.IpAsync("address", "add", "192.0.2.99/24", "dev", "tmpl0");
        var plan = MetadataPlanner.Plan(new Shared.Metadata.CloneMetadata
        {
            InstanceId = "i-ns",
            Hostname = "ns",
            Interfaces =
            [
                new Shared.Metadata.InterfaceConfig
                {
                    MatchMac = TemplateMac,
                    Name = "eth7",
                    Mac = "52:54:00:12:34:56",
                    Mtu = 1400,
                    Addresses = ["10.9.0.5/24", "fd00:9::5/64"],
                    Gateway = "10.9.0.1",
                    Routes = [new Shared.Metadata.RouteConfig { Destination = "198.51.100.0/24", Gateway = "10.9.0.254", Metric = 7 }],
                },
            ],
        }).Interfaces;
        var applier = new NetworkApplier(new IpRouteConfigurator(NullLogger<IpRouteConfigurator>.Instance, "ip", ns.Name), NullLogger<NetworkApplier>.Instance);

        var links = await applier.ApplyAsync(plan, new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal("eth7", links[TemplateMac]);
        using var link = JsonDocument.Parse(await ns.IpAsync("-j", "address", "show", "dev", "eth7"));
        var entry = link.RootElement[0];
        Assert.Equal("52:54:00:12:34:56", entry.GetProperty("address").GetString());
        Assert.Equal(1400, entry.GetProperty("mtu").GetInt32());
        var addresses = entry.GetProperty("addr_info").EnumerateArray()
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")
            .Where(a => !a.StartsWith("fe80:", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["10.9.0.5/24", "fd00:9::5/64"], addresses.Order(StringComparer.Ordinal));
        var routes = await ns.IpAsync("-4", "route", "show");
        Assert.Contains("default via 10.9.0.1 dev eth7", routes, StringComparison.Ordinal);
        Assert.Contains("198.51.100.0/24 via 10.9.0.254 dev eth7 metric 7", routes, StringComparison.Ordinal);
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task Apply_AddressTheKernelRefuses_ThrowsNetworkConfigurationExceptionWithIpsMessage()
    {
        await using var ns = await NetworkNamespace.CreateAsync("ipbad");
        var configurator = new IpRouteConfigurator(NullLogger<IpRouteConfigurator>.Instance, "ip", ns.Name);

        var ex = await Assert.ThrowsAsync<NetworkConfigurationException>(() => configurator.SetMtuAsync("nosuch0", 1400, CancellationToken.None));

        Assert.Contains("nosuch0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(StepNames.Network, ex.Step);
    }
}
