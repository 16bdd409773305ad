using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class NotifySocketAddressTests
{
    [Fact]
    public void TryParse_AbsolutePath_IsAPathEndpoint()
    {
        Assert.True(NotifySocketAddress.TryParse("/run/systemd/notify", out var endPoint, out _));
        Assert.Equal("/run/systemd/notify", endPoint.ToString());
    }

    [Fact]
    public void TryParse_AtName_IsAnAbstractEndpoint()
    {
        Assert.True(NotifySocketAddress.TryParse("@/org/freedesktop/systemd1/notify/123", out var endPoint, out _));
        // .NET renders the abstract namespace's leading NUL as '@', just like systemd.
        Assert.Equal("@/org/freedesktop/systemd1/notify/123", endPoint.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("@")]
    [InlineData("relative/notify")]
    [InlineData("vsock:2:1234")]
    public void TryParse_Unusable_FailsWithAReason(string value)
    {
        Assert.False(NotifySocketAddress.TryParse(value, out var endPoint, out var error));
        Assert.Null(endPoint);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryParse_PathLongerThanSunPath_Fails()
    {
        var path = "/" + new string('a', NotifySocketAddress.MaxSunPathBytes);

        Assert.False(NotifySocketAddress.TryParse(path, out _, out var error));
        Assert.Contains("longer", error, StringComparison.Ordinal);
    }
}
