using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsRegistrationTests
{
    [Fact]
    public async Task Register_FirstArrival_MakesTheFirstInstanceMasterAndGivesWorkersItsAddress()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));

        var master = await bed.RegisterAsync("d1", 2);
        var worker = await bed.RegisterAsync("d1", 0);

        Assert.Equal("master", master.Role);
        Assert.Null(master.MasterAddress);
        Assert.Equal("worker", worker.Role);
        Assert.Equal(CmsTestBed.AddressOf(2), worker.MasterAddress);
        Assert.Equal(CmsTestBed.AddressOf(2), worker.Variables["MASTER_ADDRESS"]);
        Assert.Equal("0", worker.Variables["WORKER_INDEX"]);
    }

    [Fact]
    public async Task Register_Twice_ReturnsTheSameRole()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);

        var first = await bed.RegisterAsync("d1", 1);
        var again = await bed.RegisterAsync("d1", 1);
        var status = await bed.StatusAsync("d1");

        Assert.Equal("worker", first.Role);
        Assert.Equal(first.Role, again.Role);
        Assert.Equal(first.Variables["WORKER_INDEX"], again.Variables["WORKER_INDEX"]);
        Assert.Equal(2, status.Registered);
        Assert.Single(status.Instances, i => i.Role == "master");
    }

    [Fact]
    public async Task Register_ConcurrentArrivals_YieldExactlyOneMaster()
    {
        const int Count = 64;
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", Count));

        var assignments = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Task.Run(() => bed.RegisterAsync("d1", i))));

        var master = Assert.Single(assignments, a => a.Role == "master");
        var masterAddress = master.Variables["MASTER_ADDRESS"];
        Assert.All(assignments.Where(a => a.Role != "master"), a => Assert.Equal(masterAddress, a.MasterAddress));
        Assert.Equal(
            Enumerable.Range(0, Count - 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            assignments.Where(a => a.Role == "worker").Select(a => a.Variables["WORKER_INDEX"]).Order());
    }

    [Fact]
    public async Task Register_LowestRank_KnowsTheRoleBeforeTheMasterArrives()
    {
        await using var bed = await CmsTestBed.StartAsync();
        var policy = new PolicySpec { Kind = "master-workers", MasterSelection = "lowest-rank" };
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3, policy, rank: i => 10 - i));

        var early = await bed.RegisterAsync("d1", 0);
        var master = await bed.RegisterAsync("d1", 2);
        var earlyAgain = await bed.RegisterAsync("d1", 0);

        Assert.Equal("worker", early.Role);
        Assert.Null(early.MasterAddress);
        Assert.False(early.Variables.ContainsKey("MASTER_ADDRESS"));
        Assert.Equal("master", master.Role);
        Assert.Equal("worker", earlyAgain.Role);
        Assert.Equal(CmsTestBed.AddressOf(2), earlyAgain.MasterAddress);
    }

    [Fact]
    public async Task Register_AllSame_GivesEveryoneTheConfiguredRole()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3, new PolicySpec { Kind = "all-same", Role = "peer" }));

        var roles = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            roles.Add((await bed.RegisterAsync("d1", i)).Role);
        }

        Assert.All(roles, r => Assert.Equal("peer", r));
    }

    [Fact]
    public async Task Register_ExpandsTheRoleTemplateFromTheAssignmentVariables()
    {
        await using var bed = await CmsTestBed.StartAsync();
        var roles = new Dictionary<string, RoleConfiguration>
        {
            ["worker"] = new()
            {
                Files = [new RoleFile { Path = "/etc/app/${ROLE}.conf", Mode = "0600", Content = "master=${MASTER_ADDRESS}\nme=${HOSTNAME}\nlit=$${MASTER_ADDRESS} ${UNKNOWN}\n" }],
                Commands = [["/usr/bin/app", "--join", "${MASTER_ADDRESS}:9000"]],
            },
        };
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2, roles: roles));
        await bed.RegisterAsync("d1", 0);

        var worker = await bed.RegisterAsync("d1", 1);

        var file = Assert.Single(worker.Configuration.Files);
        Assert.Equal("/etc/app/worker.conf", file.Path);
        Assert.Equal("0600", file.Mode);
        Assert.Equal($"master={CmsTestBed.AddressOf(0)}\nme=host-1\nlit=${{MASTER_ADDRESS}} ${{UNKNOWN}}\n", file.Content);
        Assert.Equal(["/usr/bin/app", "--join", $"{CmsTestBed.AddressOf(0)}:9000"], Assert.Single(worker.Configuration.Commands));
    }

    [Fact]
    public async Task ReportAndPeers_ShowPhasesAndFilterByRole()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        for (var i = 0; i < 3; i++)
        {
            await bed.RegisterAsync("d1", i);
        }

        await bed.ReportAsync("d1", 0, InstancePhase.Ready, "all good");
        await bed.ReportAsync("d1", 1, InstancePhase.Failed, "disk full");
        var workers = await bed.Service.PeersAsync(
            new PeersRequest { DeploymentId = "d1", InstanceId = CmsTestBed.InstanceId(2), Token = CmsTestBed.TokenOf("d1", 2), Role = "worker" },
            CancellationToken.None);
        var status = await bed.StatusAsync("d1");

        Assert.Equal([CmsTestBed.InstanceId(1), CmsTestBed.InstanceId(2)], workers.Select(w => w.InstanceId));
        Assert.Equal("disk full", workers[0].Detail);
        Assert.Equal(1, status.Ready);
        Assert.Equal(1, status.Failed);
    }

    [Fact]
    public async Task Report_BeforeRegistering_IsRefused()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));

        await CmsAssert.RefusedAsync(CmsErrorCodes.InvalidRequest, () => bed.ReportAsync("d1", 0, InstancePhase.Ready));

        Assert.Equal(InstancePhase.Waiting, (await bed.StatusAsync("d1")).Instances[0].Phase);
    }

    [Fact]
    public async Task Heartbeat_RecordsLivenessOnlyForRegisteredInstances()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));
        var request = new HeartbeatRequest { DeploymentId = "d1", InstanceId = CmsTestBed.InstanceId(0), Token = CmsTestBed.TokenOf("d1", 0) };
        await CmsAssert.RefusedAsync(CmsErrorCodes.InvalidRequest, () => bed.Service.HeartbeatAsync(request, CancellationToken.None));
        await bed.RegisterAsync("d1", 0);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var seen = await bed.Service.HeartbeatAsync(request, CancellationToken.None);
        var status = await bed.StatusAsync("d1");

        Assert.True(seen.LastHeartbeat >= before);
        Assert.Equal(seen.LastHeartbeat, status.Instances.Single(i => i.InstanceId == CmsTestBed.InstanceId(0)).LastHeartbeat);
        Assert.Null(status.Instances.Single(i => i.InstanceId == CmsTestBed.InstanceId(1)).LastHeartbeat);
    }
}
