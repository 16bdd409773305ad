using System.Net;
using Jumpstart.Guestd.Network;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class IpCommandsTests
{
    [Fact]
    public void AddAddress_IsOneArgumentPerValue_InCanonicalForm()
    {
        Assert.True(IpPrefix.TryParse("fd00:0::5/64", requirePrefix: true, out var v6));

        Assert.Equal(["-6", "address", "add", "fd00::5/64", "dev", "eth0"], IpCommands.AddAddress("eth0", v6.Value));
    }

    [Fact]
    public void ReplaceRoute_WithGatewayAndMetric_BuildsExpectedArgv()
    {
        Assert.True(IpPrefix.TryParse("192.168.7.0/24", requirePrefix: true, out var destination));
        var route = new RoutePlan(destination.Value, IPAddress.Parse("10.0.0.254"), 10);

        Assert.Equal(["-4", "route", "replace", "192.168.7.0/24", "via", "10.0.0.254", "dev", "eth0", "metric", "10"], IpCommands.ReplaceRoute("eth0", route));
    }

    [Theory]
    [InlineData("eth0 up")]
    [InlineData("-n")]
    [InlineData("a/b")]
    [InlineData("averyveryverylongname")]
    public void Commands_RefuseAnUncheckedInterfaceName(string name)
    {
        Assert.Throws<ArgumentException>(() => IpCommands.LinkUp(name));
    }

    [Theory]
    [InlineData("10.0.0.5/24", "10.0.0.5/24")]
    [InlineData("10.0.0.5", "10.0.0.5/32")]
    [InlineData("FD00::0005", "fd00::5/128")]
    public void IpPrefix_ParsesAndRendersCanonically(string text, string canonical)
    {
        Assert.True(IpPrefix.TryParse(text, requirePrefix: false, out var prefix));
        Assert.Equal(canonical, prefix.Value.ToString());
    }

    [Theory]
    [InlineData("10.0.0.5/")]
    [InlineData("10.0.0.5/+4")]
    [InlineData("10.0.0.5/ 4")]
    [InlineData("0x0a.0.0.1/8")]
    [InlineData("10.1/8")]
    [InlineData("010.0.0.1/8")]
    public void IpPrefix_RejectsLooseForms(string text)
    {
        Assert.False(IpPrefix.TryParse(text, requirePrefix: true, out _));
    }

    [Fact]
    public void BatchLine_DropsTheFamilyOptionThatBatchLinesDoNotAccept()
        => Assert.Equal("route replace default via 10.0.0.1 dev eth0", IpCommands.BatchLine(IpCommands.ReplaceDefaultRoute("eth0", System.Net.IPAddress.Parse("10.0.0.1"))));

    [Theory]
    [InlineData("eth0 up")]
    [InlineData("eth0\nlink del eth1")]
    [InlineData("")]
    public void BatchLine_AWordThatWouldSplit_IsRefused(string word)
        => Assert.Throws<ArgumentException>(() => IpCommands.BatchLine(["link", "set", "dev", word]));
}
