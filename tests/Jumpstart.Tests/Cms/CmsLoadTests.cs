using System.Diagnostics;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cms;

/// <summary>The load check: many instances registering at once, each on its own TCP connection.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsLoadTests(ITestOutputHelper output)
{
    private const int Instances = 1000;

    [Fact]
    public async Task Register_ThousandConcurrentInstancesOverTcp_AgreeOnExactlyOneMaster()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("load", Instances));

        var clock = Stopwatch.StartNew();
        var assignments = await Task.WhenAll(Enumerable.Range(0, Instances).Select(RegisterAsync)).WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;

        var master = Assert.Single(assignments, a => a.Role == "master");
        var masterAddress = master.Variables[Hostd.Cms.CmsService.MasterAddressVariable];
        Assert.All(assignments.Where(a => a != master), a =>
        {
            Assert.Equal("worker", a.Role);
            Assert.Equal(masterAddress, a.MasterAddress);
        });
        Assert.Equal(Instances - 1, assignments.Select(a => a.Variables.GetValueOrDefault("WORKER_INDEX")).Where(i => i is not null).Distinct().Count());
        await using var admin = await cms.AdminAsync();
        var status = await admin.GetAsync("load", CancellationToken.None);
        Assert.Equal(Instances, status.Registered);
        Assert.Equal(master.Variables[Hostd.Cms.CmsService.InstanceIdVariable], Assert.Single(status.Instances, i => i.Role == "master").InstanceId);

        output.WriteLine($"registrations: {Instances}");
        output.WriteLine($"elapsed_ms: {elapsed.TotalMilliseconds:0}");
        output.WriteLine($"registrations_per_s: {Instances / elapsed.TotalSeconds:0}");

        async Task<RoleAssignment> RegisterAsync(int index)
        {
            await using var connection = await JsonRpcClient.ConnectAsync(cms.EndPoint);
            return await connection.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("load", index));
        }
    }
}
