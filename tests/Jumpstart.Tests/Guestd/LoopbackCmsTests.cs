using Jumpstart.Guestd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>The warm-up's loopback stand-in for the CMS: the real client's whole exchange completes against it.</summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class LoopbackCmsTests
{
    [Fact]
    public async Task Exchange_RegistersPending_WaitsForARoleWithAFileAndACommand_AndReports_ThroughTheRealClient()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cms = LoopbackCms.Start(bound.Token);
        var client = new CmsClient(cms.Endpoint, new CmsRetryPolicy { Budget = TimeSpan.FromSeconds(30) }, NullLogger<CmsClient>.Instance);
        var token = cms.Endpoint.Token;

        var registered = await client.RegisterAsync(new RegisterRequest { DeploymentId = LoopbackCms.DeploymentId, InstanceId = "i-warm", Token = token, Hostname = "warm", Addresses = ["127.0.0.1"] }, bound.Token);
        var waited = await client.WaitAsync(new WaitRequest { DeploymentId = LoopbackCms.DeploymentId, InstanceId = "i-warm", Token = token, ForAssignment = true, TimeoutMs = 1000 }, bound.Token);
        await client.ReportAsync(new ReportRequest { DeploymentId = LoopbackCms.DeploymentId, InstanceId = "i-warm", Token = token, Phase = InstancePhase.Ready }, bound.Token);
        await client.DisposeAsync();
        await cms.DisposeAsync().AsTask().WaitAsync(bound.Token);

        Assert.True(registered.Pending);
        Assert.False(waited.Assignment?.Pending);
        Assert.Equal(LoopbackCms.RoleFilePath, Assert.Single(waited.Assignment!.Configuration.Files).Path);
        Assert.Single(waited.Assignment.Configuration.Commands);
    }
}
