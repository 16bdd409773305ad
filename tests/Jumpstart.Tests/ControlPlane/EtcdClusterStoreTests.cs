using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// The manager's store on a real etcd (TLS, client certificates): the same verdicts as the SQLite store, and the races
/// two managers can run against each other decided once (compare-and-swap transactions).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class EtcdClusterStoreTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    private static readonly DateTimeOffset s_now = ClusterStoreScenarios.Now;

    private readonly string _prefix = $"/jumpstart/test-{Guid.NewGuid():N}/";

    private EtcdClusterStore Open() => new(fixture.Cluster.Connect(), _prefix, ownsConnection: true);

    [ToolFact("etcd")]
    public async Task Admit_CountsTheTokenAndAddsTheHost_OnlyWhenEverythingHolds()
    {
        using var store = Open();
        await ClusterStoreScenarios.AdmitCountsTheTokenAndAddsTheHostOnlyWhenEverythingHolds(store);
    }

    [ToolFact("etcd")]
    public async Task Admit_OfATakenName_IsRefused_ButARemovedHostsNameIsFreeAgain()
    {
        using var store = Open();
        await ClusterStoreScenarios.AdmitOfATakenNameIsRefusedButARemovedHostsNameIsFreeAgain(store);
    }

    [ToolFact("etcd")]
    public async Task ConcurrentAdmissionsAtTwoManagers_SpendEachUseOfATokenOnce()
    {
        using var managerA = Open();
        using var managerB = Open();
        await ClusterStoreScenarios.ConcurrentAdmissionsSpendEachUseOfATokenOnce(managerA, managerB);
    }

    [ToolFact("etcd")]
    public async Task ConcurrentRemovalsAtTwoManagers_RevokeOnceAndNumberOneList()
    {
        using var managerA = Open();
        using var managerB = Open();
        await managerA.PutHostAsync(ClusterStoreScenarios.Host("host-b", "BB01") with { State = HostStates.Up }, CancellationToken.None);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            (i % 2 == 0 ? managerA : managerB).RemoveHostAsync("host-b", s_now, CancellationToken.None))));

        Assert.Single(results, r => r is not null);
        var revocations = await managerB.GetRevocationsAsync(CancellationToken.None);
        Assert.Equal(1, revocations.Number);
        Assert.Equal("BB01", revocations.Entries.Single().Serial);
    }

    [ToolFact("etcd")]
    public async Task Heartbeats_MarkDownAndUp()
    {
        using var store = Open();
        await ClusterStoreScenarios.HeartbeatsMarkDownAndUp(store);
    }

    [ToolFact("etcd")]
    public Task ASecondManager_SeesEverythingTheFirstWrote() => ClusterStoreScenarios.NothingIsLostBetweenStores(Open, Open);

    [ToolFact("etcd")]
    public async Task APlacementOfNoDeployment_IsRefused()
    {
        using var store = Open();
        await Assert.ThrowsAsync<ClusterStoreException>(() => store.SetPlacementsAsync("d2", [ClusterStoreScenarios.Placement("d2", "vm-0", "host-a")], CancellationToken.None));
    }

    [ToolFact("etcd")]
    public async Task Tokens_AreCappedAndExpiredOnesForgotten()
    {
        using var store = Open();
        await ClusterStoreScenarios.TokensAreCappedAndExpiredOnesForgotten(store);
    }

    [ToolFact("etcd")]
    public async Task AnUnreachableEtcd_IsAClusterStoreException_NamingIt()
    {
        using var store = new EtcdClusterStore(fixture.Cluster.Connect("etcd://localhost:1"), _prefix, ownsConnection: true);

        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.ListHostsAsync(CancellationToken.None));

        Assert.Contains("etcd at localhost:1", error.Message, StringComparison.Ordinal);
        Assert.Equal(69, error.ExitCode);
    }
}
