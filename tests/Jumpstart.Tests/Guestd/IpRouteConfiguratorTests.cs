using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

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

        await configurator.SetLinkUpAsync("lo", CancellationToken.None);
        await configurator.SetMtuAsync("nosuch0", 1400, CancellationToken.None);
        await configurator.SetLinkUpAsync("lo", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<NetworkConfigurationException>(() => configurator.CommitAsync(CancellationToken.None));

        Assert.Contains("'ip link set dev nosuch0 mtu 1400' failed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot find device", ex.Message, StringComparison.Ordinal);
        Assert.Equal(StepNames.Network, ex.Step);
    }

    [ToolFact("ip", "arping", "ping", NeedsRoot = true)]
    public async Task Announce_AfterAMacChange_UpdatesAPeersNeighbourEntryWithoutItAsking()
    {
        await using var clone = await NetworkNamespace.CreateAsync("garp-a");
        await using var peer = await NetworkNamespace.CreateAsync("garp-b");
        await clone.IpAsync("link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer.Name);
        await clone.IpAsync("address", "add", "10.9.1.5/24", "dev", "eth0");
        await peer.IpAsync("address", "add", "10.9.1.6/24", "dev", "eth0");
        await clone.IpAsync("link", "set", "eth0", "up");
        await peer.IpAsync("link", "set", "eth0", "up");
        await Requirements.RunToolAsync("ip", ["netns", "exec", peer.Name, "ping", "-c", "1", "-W", "5", "10.9.1.5"]);
        var configurator = new IpRouteConfigurator(NullLogger<IpRouteConfigurator>.Instance, "ip", clone.Name);
        await configurator.SetLinkDownAsync("eth0", CancellationToken.None);
        await configurator.SetMacAsync("eth0", "52:54:00:9a:00:05", CancellationToken.None);
        await configurator.SetLinkUpAsync("eth0", CancellationToken.None);
        await configurator.CommitAsync(CancellationToken.None);

        await configurator.AnnounceAsync("eth0", System.Net.IPAddress.Parse("10.9.1.5"), CancellationToken.None);

        var neighbour = await peer.IpAsync("neigh", "show", "10.9.1.5", "dev", "eth0");
        Assert.Contains("52:54:00:9a:00:05", neighbour, StringComparison.Ordinal);
    }
}
