using Jumpstart.Guestd.Cms;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>The warm-up's loopback stand-in for the CMS: the real client's whole exchange completes against it.</summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class LoopbackCmsTests
{
    [Fact]
    public async Task Exchange_RegistersWaitsAndReports_ThroughTheRealClient()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var exchange = LoopbackCms.ExchangeAsync("i-warm", NullLoggerFactory.Instance, bound.Token);

        await exchange;
        Assert.True(exchange.IsCompletedSuccessfully);
    }
}
