using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// guestd's rtnetlink client against the real kernel, in namespaces the test creates: the same plan applied by
/// iproute2 in one namespace and by netlink in another must leave the kernel in the same state, as
/// <c>ip -j address/route/neigh</c> reports it.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class NetlinkConfiguratorTests
{
    private const string TemplateMac = "52:54:00:aa:00:02";

    [ToolFact("ip", NeedsRoot = true)]
    public async Task Apply_WithoutALinkDown_FlushesTheTemplatesAddressesRoutesAndNeighbours_AsIpDoes()
    {
        await using var byIp = await TemplateAsync("nlip");
        await using var byNetlink = await TemplateAsync("nlnl");
        var plan = Plan(mac: null, name: null);

        var ipLinks = await Applier(new IpRouteConfigurator(NullLogger<IpRouteConfigurator>.Instance, "ip", byIp.Name)).ApplyAsync(plan, new Dictionary<string, string>(), CancellationToken.None);
        var netlinkLinks = await Applier(Netlink(byNetlink)).ApplyAsync(plan, new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal(ipLinks, netlinkLinks);
        var state = await StateAsync(byNetlink, "tmpl0");
        Assert.Equal(await StateAsync(byIp, "tmpl0"), state);
        Assert.DoesNotContain("192.0.2.99", state, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.0", state, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.50", state, StringComparison.Ordinal);
        Assert.Contains("10.9.0.5/24", state, StringComparison.Ordinal);
        Assert.Contains("route4 default via 10.9.0.1", state, StringComparison.Ordinal);
        Assert.Contains("route4 198.51.100.0/24 via 10.9.0.254 metric 7", state, StringComparison.Ordinal);
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task Apply_WithANewMacAndName_GivesTheSameLinkAddressesAndRoutesAsIp()
    {
        await using var byIp = await TemplateAsync("nlip2");
        await using var byNetlink = await TemplateAsync("nlnl2");
        var plan = Plan(mac: "52:54:00:12:34:57", name: "eth7");

        await Applier(new IpRouteConfigurator(NullLogger<IpRouteConfigurator>.Instance, "ip", byIp.Name)).ApplyAsync(plan, new Dictionary<string, string>(), CancellationToken.None);
        var links = await Applier(Netlink(byNetlink)).ApplyAsync(plan, new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal("eth7", links[TemplateMac]);
        Assert.Equal(await StateAsync(byIp, "eth7"), await StateAsync(byNetlink, "eth7"));
        using var link = JsonDocument.Parse(await byNetlink.IpAsync("-j", "link", "show", "dev", "eth7"));
        Assert.Equal("52:54:00:12:34:57", link.RootElement[0].GetProperty("address").GetString());
        Assert.Equal(1400, link.RootElement[0].GetProperty("mtu").GetInt32());
        Assert.Contains("UP", link.RootElement[0].GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task ReadOnly_RunsAWholePlanWithANewMacAndName_AndLeavesTheKernelAsItWas()
    {
        await using var ns = await TemplateAsync("nlro");
        var before = await StateAsync(ns, "tmpl0");
        var linkBefore = await ns.IpAsync("-j", "link", "show", "dev", "tmpl0");

        var links = await Applier(Netlink(ns).ReadOnly()).ApplyAsync(Plan(mac: "52:54:00:12:34:58", name: "eth8"), new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal("eth8", links[TemplateMac]);
        Assert.Equal(before, await StateAsync(ns, "tmpl0"));
        Assert.Equal(linkBefore, await ns.IpAsync("-j", "link", "show", "dev", "tmpl0"));
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task ListLinks_MatchesIpsLinkList()
    {
        await using var ns = await TemplateAsync("nllist");

        var links = await Netlink(ns).ListLinksAsync(CancellationToken.None);

        using var expected = JsonDocument.Parse(await ns.IpAsync("-j", "link", "show"));
        Assert.Equal(
            expected.RootElement.EnumerateArray().Select(l => $"{l.GetProperty("ifname").GetString()} {l.GetProperty("address").GetString()} {l.GetProperty("link_type").GetString() == "loopback"}").Order(StringComparer.Ordinal),
            links.Select(l => $"{l.Name} {l.Mac} {l.IsLoopback}").Order(StringComparer.Ordinal));
        Assert.Contains(links, l => l.Name == "tmpl0" && l.Mac == TemplateMac && !l.IsLoopback);
    }

    [ToolFact("ip", NeedsRoot = true)]
    public async Task AChangeTheKernelRefuses_ThrowsNetworkConfigurationException_QuotingTheIpCommand()
    {
        await using var ns = await NetworkNamespace.CreateAsync("nlbad");
        var configurator = Netlink(ns);

        var missing = await Assert.ThrowsAsync<NetworkConfigurationException>(() => configurator.SetMtuAsync("nosuch0", 1400, CancellationToken.None));
        var address = new IpPrefix(System.Net.IPAddress.Parse("127.0.0.2"), 8);
        await configurator.AddAddressAsync("lo", address, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<NetworkConfigurationException>(() => configurator.AddAddressAsync("lo", address, CancellationToken.None));

        Assert.Contains("'ip link set dev nosuch0 mtu 1400' failed: No such device", missing.Message, StringComparison.Ordinal);
        Assert.Equal(StepNames.Network, missing.Step);
        Assert.Contains("'ip -4 address add 127.0.0.2/8 dev lo' failed: File exists", refused.Message, StringComparison.Ordinal);
    }

    [ToolFact("ip", "ping", "sysctl", NeedsRoot = true)]
    public async Task Announce_AfterAMacChange_UpdatesAPeersNeighbourEntryWithoutItAsking()
    {
        await using var clone = await NetworkNamespace.CreateAsync("nlarp-a");
        await using var peer = await NetworkNamespace.CreateAsync("nlarp-b");
        await clone.IpAsync("link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer.Name);
        await clone.IpAsync("address", "add", "10.9.2.5/24", "dev", "eth0");
        await peer.IpAsync("address", "add", "10.9.2.6/24", "dev", "eth0");
        await clone.IpAsync("link", "set", "eth0", "up");
        await peer.IpAsync("link", "set", "eth0", "up");
        await Requirements.RunToolAsync("ip", ["netns", "exec", peer.Name, "ping", "-c", "1", "-W", "5", "10.9.2.5"]);

        // Taking the clone's end down drops the veth's carrier on the peer, which flushes the peer's entry for 10.9.2.5
        // (a clone behind a bridge keeps it). arp_accept lets the announcement alone create the entry again; the peer
        // sends nothing after the ping, so it never asks.
        await Requirements.RunToolAsync("ip", ["netns", "exec", peer.Name, "sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_accept=1"]);
        var configurator = Netlink(clone);
        await configurator.SetLinkDownAsync("eth0", CancellationToken.None);
        await configurator.SetMacAsync("eth0", "52:54:00:9a:00:06", CancellationToken.None);
        await configurator.SetLinkUpAsync("eth0", CancellationToken.None);

        await configurator.AnnounceAsync("eth0", System.Net.IPAddress.Parse("10.9.2.5"), CancellationToken.None);

        await Poll.UntilAsync(
            async _ => (await peer.IpAsync("neigh", "show", "10.9.2.5", "dev", "eth0")).Contains("52:54:00:9a:00:06", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the peer's neighbour entry for 10.9.2.5 to carry the new MAC");
    }

    /// <summary>A namespace holding a template's link: a veth (its peer up, for a carrier) with an address, a route and a neighbour entry.</summary>
    private static async Task<NetworkNamespace> TemplateAsync(string prefix)
    {
        var ns = await NetworkNamespace.CreateAsync(prefix);
        await ns.IpAsync("link", "add", "tmpl0", "address", TemplateMac, "type", "veth", "peer", "name", "peer0");
        await ns.IpAsync("link", "set", "peer0", "up");
        await ns.IpAsync("link", "set", "tmpl0", "up");
        await ns.IpAsync("address", "add", "192.0.2.99/24", "dev", "tmpl0");
        await ns.IpAsync("route", "add", "203.0.113.0/24", "via", "192.0.2.1", "dev", "tmpl0");
        await ns.IpAsync("neigh", "add", "192.0.2.50", "lladdr", "52:54:00:00:00:50", "dev", "tmpl0", "nud", "stale");
        return ns;
    }

    private static IReadOnlyList<InterfacePlan> Plan(string? mac, string? name) => MetadataPlanner.Plan(new Shared.Metadata.CloneMetadata
    {
        InstanceId = "i-nl",
        Hostname = "nl",
        Interfaces =
        [
            new Shared.Metadata.InterfaceConfig
            {
                MatchMac = TemplateMac,
                Name = name,
                Mac = mac,
                Mtu = 1400,
                Addresses = ["10.9.0.5/24", "fd00:9::5/64"],
                Gateway = "10.9.0.1",
                Routes = [new Shared.Metadata.RouteConfig { Destination = "198.51.100.0/24", Gateway = "10.9.0.254", Metric = 7 }],
            },
        ],
    }).Interfaces;

    private static NetworkApplier Applier(INetworkConfigurator configurator) => new(configurator, NullLogger<NetworkApplier>.Instance);

    private static NetlinkConfigurator Netlink(NetworkNamespace ns) => new(ns.Name);

    /// <summary>What the kernel holds for the link, as ip prints it: addresses (not link-local), IPv4 routes of every table, IPv6 routes of the main table, neighbours.</summary>
    private static async Task<string> StateAsync(NetworkNamespace ns, string link)
    {
        using var addresses = JsonDocument.Parse(await ns.IpAsync("-j", "address", "show", "dev", link));
        var lines = addresses.RootElement[0].GetProperty("addr_info").EnumerateArray()
            .Select(a => $"address {a.GetProperty("family").GetString()} {a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()} scope {a.GetProperty("scope").GetString()}")
            .Where(a => !a.Contains(" fe80:", StringComparison.Ordinal))
            .ToList();
        lines.AddRange((await ns.IpAsync("-4", "route", "show", "table", "all", "dev", link)).Split('\n').Select(l => $"route4 {l.Trim()}"));
        lines.AddRange((await ns.IpAsync("-6", "route", "show", "table", "main", "dev", link)).Split('\n').Where(l => !l.StartsWith("fe80:", StringComparison.Ordinal)).Select(l => $"route6 {l.Trim()}"));
        lines.AddRange((await ns.IpAsync("neigh", "show", "dev", link)).Split('\n').Select(l => $"neigh {l.Trim()}"));
        return string.Join('\n', lines.Order(StringComparer.Ordinal));
    }
}
