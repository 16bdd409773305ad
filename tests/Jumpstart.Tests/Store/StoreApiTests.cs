using System.Security.Cryptography;
using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Store;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Store;

/// <summary>The control socket's <c>store.*</c> methods on the catalog of section <c>Store</c>.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreApiTests
{
    [Fact]
    public async Task StoreApi_ListsStoredFilesAndVerifiesThemByName()
    {
        using var directory = new TempDirectory("store-api");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        await cluster.Store.PutAsync(new MemoryStream(RandomNumberGenerator.GetBytes(10_000)), new PutOptions { Name = "state-1", BlockSize = 4096 }, null, CancellationToken.None);
        var api = new StoreApi(Options.Create(new BlockServiceOptions { Catalog = cluster.CatalogPath }));

        var file = Assert.Single(await api.ListAsync());
        Assert.Equal(("state-1", 10_000L, 3), (file.Name, file.Length, file.Servers.Count));
        var report = await api.VerifyAsync(new NameRequest { Name = "state-1" }, CancellationToken.None);
        Assert.True(report.Intact);
        Assert.Equal(6, report.Checked);

        await cluster.StopAsync(2);
        var damaged = await api.VerifyAsync(new NameRequest { Name = "state-1" }, CancellationToken.None);
        Assert.False(damaged.Intact);
        Assert.True(damaged.Recoverable);
        Assert.All(damaged.Problems, p => Assert.Contains("server s2", p, StringComparison.Ordinal));

        var missing = await Assert.ThrowsAsync<LocalRpcException>(() => api.VerifyAsync(new NameRequest { Name = "nope" }, CancellationToken.None));
        Assert.Equal(HostErrorCodes.NotFound, missing.Code);
    }
}
