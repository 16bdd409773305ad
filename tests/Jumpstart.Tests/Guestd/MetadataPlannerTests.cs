using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class MetadataPlannerTests
{
    private static readonly InterfaceConfig s_goodInterface = new()
    {
        MatchMac = "52:54:00:AA:00:01",
        Mac = "52:54:00:12:34:56",
        Addresses = ["10.0.0.5/24", "fd00::5/64"],
        Gateway = "10.0.0.1",
        Routes = [new RouteConfig { Destination = "192.168.7.0/24", Gateway = "10.0.0.254", Metric = 10 }],
        DnsServers = ["10.0.0.53"],
        DnsSearch = ["cluster.example"],
        Mtu = 1400,
    };

    public static TheoryData<string, Func<CloneMetadata, CloneMetadata>> Injections => new()
    {
        { "hostname", m => m with { Hostname = "node1;reboot" } },
        { "hostname", m => m with { Hostname = "node1\n127.0.0.1 evil" } },
        { "hostname", m => m with { Hostname = "-n" } },
        { "instanceId", m => m with { InstanceId = "../../etc/passwd" } },
        { "instanceId", m => m with { InstanceId = "--force" } },
        { "interfaces[0].mac", m => WithInterface(m, i => i with { Mac = "52:54:00:12:34:56 up" }) },
        { "interfaces[0].routes[0].gateway", m => WithInterface(m, i => i with { Routes = [new RouteConfig { Destination = "10.1.0.0/16", Gateway = "-1" }] }) },
        { "interfaces[0].mac", m => WithInterface(m, i => i with { Mac = "01:00:5e:00:00:01" }) },
        { "interfaces[0].matchName", m => WithInterface(m, i => i with { MatchName = "-eth0" }) },
        { "interfaces[0].name", m => WithInterface(m, i => i with { Name = "eth0 netns x" }) },
        { "interfaces[0].addresses[0]", m => WithInterface(m, i => i with { Addresses = ["10.0.0.5/24 dev lo"] }) },
        { "interfaces[0].addresses[0]", m => WithInterface(m, i => i with { Addresses = ["$(reboot)/24"] }) },
        { "interfaces[0].addresses[0]", m => WithInterface(m, i => i with { Addresses = ["10.0.0.5/33"] }) },
        { "interfaces[0].addresses[0]", m => WithInterface(m, i => i with { Addresses = ["10/8"] }) },
        { "interfaces[0].gateway", m => WithInterface(m, i => i with { Gateway = "10.0.0.1;id" }) },
        { "interfaces[0].gateway", m => WithInterface(m, i => i with { Gateway = "fe80::1%eth0" }) },
        { "interfaces[0].routes[0].destination", m => WithInterface(m, i => i with { Routes = [new RouteConfig { Destination = "default via 6.6.6.6" }] }) },
        { "interfaces[0].dnsServers[0]", m => WithInterface(m, i => i with { DnsServers = ["1.1.1.1\nnameserver 6.6.6.6"] }) },
        { "interfaces[0].dnsSearch[0]", m => WithInterface(m, i => i with { DnsSearch = ["example.com\nnameserver 6.6.6.6"] }) },
        { "interfaces[0].mtu", m => WithInterface(m, i => i with { Mtu = 10 }) },
        { "interfaces[0]", m => WithInterface(m, i => i with { MatchMac = null, MatchName = null }) },
        { "cms.host", m => m with { Cms = new CmsEndpoint { Host = "cms;rm -rf /", Port = 7070, Token = "t" } } },
        { "cms.token", m => m with { Cms = new CmsEndpoint { Host = "10.0.0.1", Port = 7070, Token = "t\r\nX-Evil: 1" } } },
        { "cms.port", m => m with { Cms = new CmsEndpoint { Host = "10.0.0.1", Port = 70_000, Token = "t" } } },
    };

    [Fact]
    public void Plan_GoodMetadata_GivesCanonicalTypedPlan()
    {
        var validated = MetadataPlanner.Plan(Good());

        var plan = Assert.Single(validated.Interfaces);
        Assert.Equal("52:54:00:aa:00:01", plan.MatchMac);
        Assert.Equal("52:54:00:12:34:56", plan.Mac);
        Assert.Equal(["10.0.0.5/24", "fd00::5/64"], plan.Addresses.Select(a => a.ToString()));
        Assert.Equal("10.0.0.1", plan.Gateway?.ToString());
        Assert.Equal(["10.0.0.5", "fd00::5"], validated.AddressesForPeers);
    }

    [Theory]
    [MemberData(nameof(Injections))]
    public void Plan_InjectionAttempt_IsRejectedNamingTheField(string field, Func<CloneMetadata, CloneMetadata> mutate)
    {
        var ex = Assert.Throws<InvalidMetadataException>(() => MetadataPlanner.Plan(mutate(Good())));

        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Equal(StepNames.Validate, ex.Step);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Plan_AddressWithLeadingZeroOctet_IsRejectedAsAmbiguous()
    {
        // inet_aton reads "010" as octal 8: the planner refuses rather than guess.
        var ex = Assert.Throws<InvalidMetadataException>(() => MetadataPlanner.Plan(WithInterface(Good(), i => i with { Addresses = ["010.0.0.5/24"] })));

        Assert.Equal("interfaces[0].addresses[0]", ex.Field);
    }

    [Fact]
    public void Plan_DefaultRouteDestination_BecomesTheZeroPrefixOfTheGatewaysFamily()
    {
        var plan = MetadataPlanner.Plan(WithInterface(Good(), i => i with { Routes = [new RouteConfig { Destination = "default", Gateway = "fd00::1" }] }));

        Assert.Equal("::/0", plan.Interfaces[0].Routes[0].Destination.ToString());
    }

    [Fact]
    public void Plan_CmsWithoutDeploymentId_IsRejected()
    {
        var ex = Assert.Throws<InvalidMetadataException>(() => MetadataPlanner.Plan(Good() with { DeploymentId = null }));

        Assert.Equal("deploymentId", ex.Field);
    }

    internal static CloneMetadata Good() => new()
    {
        InstanceId = "i-0001",
        DeploymentId = "dep-1",
        Hostname = "node1.cluster.example",
        Interfaces = [s_goodInterface],
        Cms = new CmsEndpoint { Host = "10.0.0.1", Port = 7070, Token = "secret-token" },
    };

    private static CloneMetadata WithInterface(CloneMetadata metadata, Func<InterfaceConfig, InterfaceConfig> change)
        => metadata with { Interfaces = [change(metadata.Interfaces[0])] };
}
