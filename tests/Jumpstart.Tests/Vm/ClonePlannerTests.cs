using System.Net;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class ClonePlannerTests
{
    private const string TemplateMac = "52:54:00:AA:BB:CC";
    private static readonly DnsEndPoint s_cms = new("10.99.0.1", 7070);

    [Fact]
    public void Plan_NamesClonesFromThePrefix_AndGivesEachTheNextAddressAndANewMac()
    {
        var request = new ClonePlanRequest { Count = 3, Prefix = "web", FirstAddress = "10.99.0.10/24", Gateway = "10.99.0.1", Dns = ["10.99.0.2"] };

        var clones = ClonePlanner.Plan(request, TemplateMac, cms: null);

        Assert.Equal(["web-1", "web-2", "web-3"], clones.Select(c => c.Name));
        Assert.Equal(["10.99.0.10/24", "10.99.0.11/24", "10.99.0.12/24"], clones.Select(c => Assert.Single(Assert.Single(c.Metadata.Interfaces).Addresses)));
        var interfaces = clones.Select(c => Assert.Single(c.Metadata.Interfaces)).ToList();
        Assert.All(interfaces, i => Assert.Equal("52:54:00:aa:bb:cc", i.MatchMac));
        Assert.All(interfaces, i => Assert.Equal("10.99.0.1", i.Gateway));
        Assert.All(interfaces, i => Assert.Equal(["10.99.0.2"], i.DnsServers));
        var macs = interfaces.Select(i => i.Mac!).ToList();
        Assert.Equal(3, macs.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("52:54:00:aa:bb:cc", macs);
        Assert.All(clones, c => Assert.Equal(c.Name, c.Metadata.Hostname));
    }

    [Fact]
    public void Plan_WithoutACms_GivesEachResumeANewInstanceId_AndNoToken()
    {
        var request = new ClonePlanRequest { Count = 2, Prefix = "solo" };

        var first = ClonePlanner.Plan(request, TemplateMac, cms: null);
        var second = ClonePlanner.Plan(request, TemplateMac, cms: null);

        Assert.All(first, c => Assert.StartsWith($"{c.Name}-", c.Metadata.InstanceId, StringComparison.Ordinal));
        Assert.NotEqual(first[0].Metadata.InstanceId, second[0].Metadata.InstanceId);
        Assert.All(first, c => Assert.Null(c.Metadata.Cms));
        Assert.All(first, c => Assert.Null(c.Instance));
        Assert.All(first, c => Assert.Empty(c.Metadata.Interfaces));
    }

    [Fact]
    public void Plan_WithACms_GivesEachCloneItsOwnTokenAndRank_OnTheDiscAndOnTheWaitingList()
    {
        var clones = ClonePlanner.Plan(new ClonePlanRequest { Count = 3, Prefix = "dep", FirstAddress = "10.99.0.10/24" }, TemplateMac, s_cms);

        Assert.Equal([0, 1, 2], clones.Select(c => c.Instance!.Rank));
        Assert.All(clones, c => Assert.Equal(c.Name, c.Metadata.InstanceId));
        Assert.All(clones, c => Assert.Equal(c.Name, c.Instance!.InstanceId));
        Assert.All(clones, c => Assert.Equal("dep", c.Metadata.DeploymentId));
        Assert.All(clones, c => Assert.Equal(c.Instance!.Token, c.Metadata.Cms!.Token));
        Assert.All(clones, c => Assert.Equal(("10.99.0.1", 7070), (c.Metadata.Cms!.Host, c.Metadata.Cms.Port)));
        Assert.Equal(3, clones.Select(c => c.Instance!.Token).Distinct(StringComparer.Ordinal).Count());
        Assert.All(clones, c => Assert.Equal(ClonePlanner.TokenBytes * 2, c.Instance!.Token.Length));
    }

    [Fact]
    public void Plan_WithDerivedTokensAndAlternates_PutsThemOnEveryDiscAndTheWaitingList()
    {
        var clones = ClonePlanner.Plan(
            new ClonePlanRequest { Count = 2, Prefix = "dep" }, TemplateMac, s_cms, tokenOf: name => $"token-of-{name}", cmsAlternates: ["10.99.0.2:7070", "10.99.0.3:7070"]);

        Assert.Equal(["token-of-dep-1", "token-of-dep-2"], clones.Select(c => c.Instance!.Token));
        Assert.All(clones, c => Assert.Equal(c.Instance!.Token, c.Metadata.Cms!.Token));
        Assert.All(clones, c => Assert.Equal(["10.99.0.2:7070", "10.99.0.3:7070"], c.Metadata.Cms!.Alternates!));
        Assert.All(ClonePlanner.Plan(new ClonePlanRequest { Count = 2, Prefix = "dep" }, TemplateMac, s_cms, cmsAlternates: []), c => Assert.Null(c.Metadata.Cms!.Alternates));
        Assert.Throws<ClonePlanException>(() => ClonePlanner.Plan(
            new ClonePlanRequest { Prefix = "dep" }, TemplateMac, s_cms, cmsAlternates: [.. Enumerable.Range(1, CmsEndpoint.MaxAlternates + 1).Select(i => $"10.99.1.{i}:7070")]));
    }

    [Fact]
    public void Plan_WithoutATemplateMac_MatchesTheDefaultInterfaceByName()
    {
        var clone = Assert.Single(ClonePlanner.Plan(new ClonePlanRequest { FirstAddress = "10.0.0.5/24" }, templateMac: null, cms: null));

        var nic = Assert.Single(clone.Metadata.Interfaces);
        Assert.Null(nic.MatchMac);
        Assert.Equal(ClonePlanner.DefaultInterfaceName, nic.MatchName);
    }

    [Fact]
    public void Plan_EveryPlannedDisc_PassesTheMetadataValidator()
    {
        var clones = ClonePlanner.Plan(new ClonePlanRequest { Count = 4, Prefix = "v", FirstAddress = "10.99.0.10/24", Gateway = "10.99.0.1" }, TemplateMac, s_cms);

        Assert.All(clones, c => MetadataValidator.Validate(c.Metadata, c.Name));
    }

    private static readonly ClonePlanRequest[] s_badRequests =
    [
        new ClonePlanRequest { Count = 0 },
        new ClonePlanRequest { Count = CloneRequest.MaxClones + 1 },
        new ClonePlanRequest { Prefix = "Bad_Prefix" },
        new ClonePlanRequest { Prefix = new string('a', 48) },
        new ClonePlanRequest { FirstAddress = "10.99.0.10" },
        new ClonePlanRequest { Count = 6, FirstAddress = "10.99.0.250/24" },
        new ClonePlanRequest { FirstAddress = "10.99.0.10/24", Gateway = "gateway" },
        new ClonePlanRequest { FirstAddress = "10.99.0.10/24", Dns = ["1.1.1.1", "not-an-address"] },
        new ClonePlanRequest { FirstAddress = "10.99.0.10/24", Dns = ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"] },
        new ClonePlanRequest { Gateway = "10.99.0.1" },
    ];

    [Fact]
    public void Plan_OfAMalformedRequest_IsAPlanError()
    {
        Assert.All(s_badRequests, request =>
        {
            Assert.Throws<ClonePlanException>(() => ClonePlanner.Validate(request));
            Assert.Throws<ClonePlanException>(() => ClonePlanner.Plan(request, TemplateMac, cms: null));
        });
    }
}
