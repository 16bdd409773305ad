using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metadata;

[Trait(Capabilities.Trait, Capabilities.Metadata)]
public sealed class MetadataValidatorTests
{
    [Fact]
    public void Validate_FullSample_Passes()
    {
        MetadataValidator.Validate(MetadataSamples.Full());
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryOneWithItsField()
    {
        var bad = MetadataSamples.Full() with
        {
            InstanceId = "../../etc",
            Interfaces = [new InterfaceConfig { MatchName = "eth0", Mac = "01:00:5e:00:00:01", Addresses = ["10.0.0.1"], Gateway = "10.0.0.1\n-x" }],
            Cms = new CmsEndpoint { Host = "cms", Port = 70000, Token = "has space" },
        };

        var error = Assert.Throws<MetadataException>(() => MetadataValidator.Validate(bad));

        foreach (var field in new[] { "instanceId", "interfaces[0].mac", "interfaces[0].addresses[0]", "interfaces[0].gateway", "cms.port", "cms.token" })
        {
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("has space", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.5/24", true)]
    [InlineData("fd00::5/64", true)]
    [InlineData("10.0.0.5/33", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("10.1/8", false)]
    [InlineData("fe80::1%eth0/64", false)]
    [InlineData("-10.0.0.5/24", false)]
    [InlineData("10.0.0.5/24 dev eth1", false)]
    public void IsCidr_AcceptsOnlyPlainAddressesWithPrefixes(string value, bool expected)
    {
        Assert.Equal(expected, NetworkValues.IsCidr(value));
    }

    [Theory]
    [InlineData("10.0.0.5", "255.255.255.0", "10.0.0.5/24")]
    [InlineData("10.0.0.5", "16", "10.0.0.5/16")]
    [InlineData("10.0.0.5", null, "10.0.0.5/32")]
    [InlineData("10.0.0.5", "255.0.255.0", null)]
    [InlineData("fd00::1", "ffff:ffff:ffff:ffff::", "fd00::1/64")]
    public void ToCidr_JoinsAddressAndNetmask(string address, string? netmask, string? expected)
    {
        Assert.Equal(expected, NetworkValues.ToCidr(address, netmask));
    }

    [Theory]
    [InlineData("web-1", true)]
    [InlineData("a.b.example.com", true)]
    [InlineData("-bad", false)]
    [InlineData("bad_", false)]
    [InlineData("", false)]
    [InlineData("a..b", false)]
    public void IsHostname_FollowsRfc1123(string value, bool expected)
    {
        Assert.Equal(expected, NetworkValues.IsHostname(value));
    }
}
