using System.Diagnostics;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// Two managers campaign on a real three-member etcd (TLS): exactly one leads; a leader cut off from etcd stops leading
/// before the other takes over, and the other leads within 10 s; a leader that resigns hands over at once.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class EtcdLeaderElectionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(3);

    [ToolFact("etcd")]
    public async Task ALeaderCutOffFromEtcd_StepsDown_AndTheOtherLeadsWithin10Seconds()
    {
        using var etcd = new EtcdTestCluster(3);
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var election = $"/jumpstart/test-{Guid.NewGuid():N}/leader";
        await using var relay = new BlackholeRelay(etcd.ClientPort(0));
        using var connectionA = etcd.Connect($"etcd://localhost:{relay.Port}");
        using var connectionB = etcd.Connect();
        await using var managerA = new EtcdLeaderElection(connectionA, election, "manager-a", s_ttl, NullLogger.Instance);
        await using var managerB = new EtcdLeaderElection(connectionB, election, "manager-b", s_ttl, NullLogger.Instance);
        managerA.Start();
        await Poll.UntilAsync(() => managerA.IsLeader, TimeSpan.FromSeconds(15), "manager-a leads");
        managerB.Start();
        Assert.Equal("manager-a", await managerB.LeaderAsync(CancellationToken.None));

        var bothLed = false;
        var aStepped = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        relay.Cut();
        await Poll.UntilAsync(
            () =>
            {
                bothLed |= managerA.IsLeader && managerB.IsLeader;
                if (!managerA.IsLeader && aStepped == TimeSpan.Zero)
                {
                    aStepped = clock.Elapsed;
                }

                return managerB.IsLeader;
            },
            TimeSpan.FromSeconds(10),
            "manager-b leads after manager-a was cut off");
        var failover = clock.Elapsed;
        output.WriteLine($"manager-a stopped leading after {aStepped.TotalSeconds:0.00} s; manager-b led after {failover.TotalSeconds:0.00} s (lease TTL {s_ttl.TotalSeconds:0} s)");

        Assert.False(bothLed, "both managers led at one moment");
        Assert.False(managerA.IsLeader);
        Assert.True(managerA.Leadership.IsCancellationRequested);
        Assert.True(aStepped < failover, $"manager-a stepped down at {aStepped} only, after manager-b took over at {failover}");
        Assert.Equal("manager-b", await managerB.LeaderAsync(CancellationToken.None));

        // Healed, the old leader does not take over again: it campaigns behind the new one.
        relay.Heal();
        await Task.Delay(s_ttl);
        Assert.True(managerB.IsLeader);
        Assert.False(managerA.IsLeader);
    }

    [ToolFact("etcd")]
    public async Task ALeaderThatResigns_HandsOverAtOnce()
    {
        using var etcd = await OneMemberAsync();
        var election = $"/jumpstart/test-{Guid.NewGuid():N}/leader";
        using var connectionA = etcd.Connect();
        using var connectionB = etcd.Connect();
        var managerA = Patient(connectionA, election, "manager-a");
        await using var managerB = Patient(connectionB, election, "manager-b");
        managerA.Start();
        await Poll.UntilAsync(() => managerA.IsLeader, TimeSpan.FromSeconds(15), "manager-a leads");
        managerB.Start();
        await Task.Delay(500);
        Assert.False(managerB.IsLeader);

        var clock = Stopwatch.StartNew();
        await managerA.DisposeAsync();
        await Poll.UntilAsync(() => managerB.IsLeader, TimeSpan.FromSeconds(5), "manager-b leads after manager-a resigned (long before the 30 s lease would expire)");
        output.WriteLine($"handover after a resignation: {clock.Elapsed.TotalSeconds:0.00} s");
    }

    [ToolFact("etcd")]
    public async Task ADeposedLeadersWrites_AreRefusedByEtcd_AndTheNewLeadersRecordStands()
    {
        using var etcd = await OneMemberAsync();
        var prefix = $"/jumpstart/test-{Guid.NewGuid():N}/";
        using var connectionA = etcd.Connect();
        using var connectionB = etcd.Connect();
        var managerA = Patient(connectionA, prefix + "leader", "manager-a");
        await using var managerB = Patient(connectionB, prefix + "leader", "manager-b");
        using var storeA = new EtcdClusterStore(connectionA, prefix);
        using var storeB = new EtcdClusterStore(connectionB, prefix) { Fence = () => managerB.Fence };
        managerA.Start();
        await Poll.UntilAsync(() => managerA.IsLeader, TimeSpan.FromSeconds(15), "manager-a leads");

        // manager-a keeps the key it won, as a leader would that was paused past its lease and has not looked at its clock.
        var won = managerA.Fence;
        Assert.NotNull(won);
        storeA.Fence = () => won;
        var now = DateTimeOffset.UtcNow;
        var record = new ClusterDeploymentRecord { Id = "d1", Bundle = "bundle-1", SpecJson = "{}", State = ClusterDeploymentStates.Deploying, CreatedAt = now, UpdatedAt = now };
        PlacementRecord[] placed = [new PlacementRecord { DeploymentId = "d1", Instance = "vm-1", Host = "host-b", State = "placed" }];
        await storeA.PutDeploymentAsync(record, CancellationToken.None);
        await storeA.SetPlacementsAsync("d1", placed, CancellationToken.None);

        // A follower cannot write either.
        managerB.Start();
        await Assert.ThrowsAsync<ClusterNotManagerException>(() => storeB.PutDeploymentAsync(record with { State = ClusterDeploymentStates.Complete }, CancellationToken.None));

        await managerA.DisposeAsync();
        await Poll.UntilAsync(() => managerB.IsLeader, TimeSpan.FromSeconds(5), "manager-b leads after manager-a resigned");
        await storeB.PutDeploymentAsync(record with { State = ClusterDeploymentStates.Complete }, CancellationToken.None);

        // The deposed leader's writes, guarded by the key it no longer holds, are refused by etcd.
        await Assert.ThrowsAsync<ClusterNotManagerException>(() => storeA.PutDeploymentAsync(record with { State = ClusterDeploymentStates.Interrupted }, CancellationToken.None));
        await Assert.ThrowsAsync<ClusterNotManagerException>(() => storeA.SetPlacementsAsync("d1", [placed[0] with { Host = "host-c" }], CancellationToken.None));
        await Assert.ThrowsAsync<ClusterNotManagerException>(() => storeA.DeleteDeploymentAsync("d1", CancellationToken.None));

        Assert.Equal(ClusterDeploymentStates.Complete, (await storeB.GetDeploymentAsync("d1", CancellationToken.None))?.State);
        Assert.Equal("host-b", Assert.Single(await storeB.ListPlacementsAsync("d1", CancellationToken.None)).Host);
        Assert.True(await storeB.DeleteDeploymentAsync("d1", CancellationToken.None));
    }

    private static async Task<EtcdTestCluster> OneMemberAsync()
    {
        var etcd = new EtcdTestCluster(1);
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        return etcd;
    }

    /// <summary>A manager whose 30 s lease outlasts the test: it stops leading only by resigning.</summary>
    private static EtcdLeaderElection Patient(EtcdConnection connection, string election, string name)
        => new(connection, election, name, TimeSpan.FromSeconds(30), NullLogger.Instance);
}
