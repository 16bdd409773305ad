using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Store.Server;

/// <summary>The block server as hostd runs it (section <c>Store</c>).</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class BlockServiceHostedServiceTests
{
    [Fact]
    public async Task HostedService_WhenEnabled_ServesPeersWithTheirTokens()
    {
        using var directory = new TempDirectory("store-hosted");
        await File.WriteAllTextAsync(directory.Combine("peers"), "fog-a token-of-fog-a-0123456789\n");
        var options = new BlockServiceOptions { Enabled = true, Listen = "127.0.0.1:0", Directory = directory.Combine("blocks"), TokenFile = directory.Combine("peers") };
        await using var service = new BlockServiceHostedService(Options.Create(options), NullLoggerFactory.Instance);
        await service.StartAsync(CancellationToken.None);
        Assert.NotNull(service.Server);

        await using var client = new BlockClient("a", service.Server.EndPoint, "token-of-fog-a-0123456789");
        await client.PutAsync("00ff", new byte[] { 1, 2, 3 }, CancellationToken.None);
        var buffer = new byte[16];
        Assert.Equal(3, await client.GetAsync("00ff", buffer, CancellationToken.None));
        Assert.Equal(-1, await client.GetAsync("00fe", buffer, CancellationToken.None));
        await service.StopAsync(CancellationToken.None);
        Assert.Null(service.Server);
    }

    [Fact]
    public async Task HostedService_WithABoundBelowOne_FailsToStartNamingIt()
    {
        using var directory = new TempDirectory("store-hosted-bounds");
        await File.WriteAllTextAsync(directory.Combine("peers"), "fog-a token-of-fog-a-0123456789\n");
        var options = new BlockServiceOptions { Enabled = true, Listen = "127.0.0.1:0", Directory = directory.Combine("blocks"), TokenFile = directory.Combine("peers"), HelloTimeoutMs = 0 };
        await using var service = new BlockServiceHostedService(Options.Create(options), NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => service.StartAsync(CancellationToken.None));
        Assert.Contains("Store:HelloTimeoutMs", error.Message, StringComparison.Ordinal);
        Assert.Null(service.Server);
    }

    [Fact]
    public async Task HostedService_WhenDisabled_ListensNowhere()
    {
        await using var service = new BlockServiceHostedService(Options.Create(new BlockServiceOptions()), NullLoggerFactory.Instance);
        await service.StartAsync(CancellationToken.None);
        Assert.Null(service.Server);
    }
}
