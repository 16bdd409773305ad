using Jumpstart.Hostd.Cms;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>The CMS inside a generic host, configured from the <c>Cms</c> section as hostd does it.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsHostedServiceTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    private static IHost BuildHost(TempDirectory directory, bool enabled)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cms:Enabled"] = enabled ? "true" : "false",
            ["Cms:Listen"] = "127.0.0.1:0",
            ["Cms:DatabasePath"] = directory.Combine("cms.db"),
            ["Cms:AdminTokenFile"] = directory.Combine("admin.token"),
            ["Cms:MaxWaitMs"] = "1000",
        });
        builder.Services.AddJumpstartCms(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Enabled_ServesOnTheConfiguredAddressUntilTheHostStops()
    {
        using var directory = new TempDirectory("cms-host");
        using var host = BuildHost(directory, enabled: true);
        await host.StartAsync().WaitAsync(s_bound);
        var service = host.Services.GetServices<IHostedService>().OfType<CmsHostedService>().Single();
        var endPoint = (await service.Started.WaitAsync(s_bound)).TcpEndPoint;
        await using (var admin = await CmsAdminClient.ConnectAsync(endPoint, AdminTokenFile.Read(directory.Combine("admin.token")), CancellationToken.None))
        {
            Assert.Empty(await admin.ListAsync(CancellationToken.None).WaitAsync(s_bound));
        }

        await host.StopAsync().WaitAsync(s_bound);

        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(
            () => CmsAdminClient.ConnectAsync(endPoint, "x", CancellationToken.None));
    }

    [Fact]
    public async Task Disabled_StartsNothing()
    {
        using var directory = new TempDirectory("cms-host");
        using var host = BuildHost(directory, enabled: false);

        await host.StartAsync().WaitAsync(s_bound);
        await host.StopAsync().WaitAsync(s_bound);

        Assert.False(File.Exists(directory.Combine("cms.db")));
        Assert.False(File.Exists(directory.Combine("admin.token")));
    }
}
