using System.Net;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using Jumpstart.Tests.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Clones;

/// <summary>The deploy's wait for roles against a real CMS over TCP, with instances registering and reporting as guestd does.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class CmsRoleWatcherTests : IAsyncLifetime
{
    private const string DeploymentId = "watch";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private CmsServerFixture? _cms;

    private CmsServerFixture Cms => _cms!;

    public async Task InitializeAsync() => _cms = await CmsServerFixture.StartAsync();

    public async Task DisposeAsync() => await Cms.DisposeAsync();

    [Fact]
    public async Task Watch_EndsWhenEveryCloneReportedReady_WithProgressAndTheCmsTimes()
    {
        var instances = Instances(3);
        await Cms.CreateAsync(ClusterDeploymentSpec.Create(DeploymentId, ClusterDeploymentSpec.Policy("master-workers"), instances));
        await using var admin = await Cms.AdminAsync();
        var seen = new List<DeploymentStatus>();

        var watch = CmsRoleWatcher.WaitAsync(admin, DeploymentId, s_bound, s => { lock (seen) { seen.Add(s); } }, CancellationToken.None);
        foreach (var instance in instances)
        {
            await RegisterAndReportAsync(instance, InstancePhase.Ready);
        }

        var status = await watch.WaitAsync(s_bound);

        Assert.True(CmsRoleWatcher.IsComplete(status));
        Assert.Equal(["master", "worker", "worker"], status.Instances.OrderBy(i => i.InstanceId, StringComparer.Ordinal).Select(i => i.Role));
        Assert.All(status.Instances, i => Assert.True(i.RegisteredAt <= i.UpdatedAt));
        Assert.Equal(3, seen[^1].Ready);
        Assert.Equal(0, seen[0].Ready);
    }

    [Fact]
    public async Task Watch_StopsAtTheFirstFailedClone()
    {
        var instances = Instances(2);
        await Cms.CreateAsync(ClusterDeploymentSpec.Create(DeploymentId, ClusterDeploymentSpec.Policy("all-same"), instances));
        await using var admin = await Cms.AdminAsync();

        await RegisterAndReportAsync(instances[0], InstancePhase.Failed);
        var status = await CmsRoleWatcher.WaitAsync(admin, DeploymentId, s_bound, null, CancellationToken.None);

        Assert.Equal(1, status.Failed);
        Assert.False(CmsRoleWatcher.IsComplete(status));
    }

    [Fact]
    public async Task Watch_ReturnsTheIncompleteStatus_WhenTheBoundRunsOut()
    {
        var instances = Instances(2);
        await Cms.CreateAsync(ClusterDeploymentSpec.Create(DeploymentId, ClusterDeploymentSpec.Policy("master-workers"), instances));
        await using var admin = await Cms.AdminAsync();
        await RegisterAndReportAsync(instances[0], InstancePhase.Ready);

        var status = await CmsRoleWatcher.WaitAsync(admin, DeploymentId, TimeSpan.FromMilliseconds(300), null, CancellationToken.None);

        Assert.Equal(1, status.Ready);
        Assert.False(CmsRoleWatcher.IsComplete(status));
    }

    /// <summary>The waiting list hostd's planner makes for <paramref name="count"/> clones of the deployment.</summary>
    private static List<ExpectedInstance> Instances(int count)
        => [.. ClonePlanner.Plan(new ClonePlanRequest { Count = count, Prefix = DeploymentId }, templateMac: null, new DnsEndPoint("127.0.0.1", 1)).Select(c => c.Instance!)];

    private async Task RegisterAndReportAsync(ExpectedInstance instance, string phase)
    {
        await using var guest = await Cms.ConnectAsync();
        await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, new RegisterRequest
        {
            DeploymentId = DeploymentId,
            InstanceId = instance.InstanceId,
            Token = instance.Token,
            Hostname = instance.InstanceId,
            Addresses = ["10.99.0.50/24"],
        });
        await guest.InvokeAsync<PeerInfo>(CmsMethods.Report, new ReportRequest { DeploymentId = DeploymentId, InstanceId = instance.InstanceId, Token = instance.Token, Phase = phase });
    }
}
