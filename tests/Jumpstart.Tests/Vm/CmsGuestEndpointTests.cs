using System.Net;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.HostApi;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// The CMS address written on clones' discs is one a guest can reach: a loopback or wildcard listen address is
/// refused before any clone starts (each guest would call itself), and Cms:GuestEndpoint names the address guests use.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class CmsGuestEndpointTests
{
    private static readonly ClonePlanRequest s_plan = new() { Count = 2, Prefix = "web", Policy = "all-same" };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    public void LocalCms_OnAnAddressGuestsCannotReach_IsRefusedWithTheFix(string address)
    {
        var local = new LocalCms(new IPEndPoint(IPAddress.Parse(address), 7070), "/nonexistent/admin.token");

        var ex = Assert.Throws<ClonePlanException>(() => CmsCloneRegistrar.For(s_plan, local));

        Assert.Contains("cannot be reached from a guest", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Cms:GuestEndpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalCms_WithAGuestEndpoint_PutsThatOnTheDiscs()
    {
        using var dir = new TempDirectory("cms-guest");
        var token = dir.Combine("admin.token");
        File.WriteAllText(token, "0123456789abcdef0123456789abcdef\n");
        var local = new LocalCms(new IPEndPoint(IPAddress.Loopback, 7070), token, GuestEndpoint: "cms.example.net:7443");

        var registrar = CmsCloneRegistrar.For(s_plan, local)!;

        Assert.Equal(("cms.example.net", 7443), (registrar.GuestEndPoint.Host, registrar.GuestEndPoint.Port));
    }

    [Fact]
    public void LocalCms_OnTheClonesNetwork_IsWhatGuestsAreGiven()
    {
        using var dir = new TempDirectory("cms-guest");
        var token = dir.Combine("admin.token");
        File.WriteAllText(token, "0123456789abcdef0123456789abcdef\n");
        var local = new LocalCms(new IPEndPoint(IPAddress.Parse("10.78.0.1"), 7070), token);

        var registrar = CmsCloneRegistrar.For(s_plan, local)!;

        Assert.Equal(("10.78.0.1", 7070), (registrar.GuestEndPoint.Host, registrar.GuestEndPoint.Port));
    }
}
