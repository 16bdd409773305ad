using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>The manager's store on SQLite: the admission step's verdicts, atomic token use, revocation numbering, and nothing lost when reopened (<see cref="ClusterStoreScenarios"/>).</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class SqliteClusterStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("cluster-store");

    private string DatabasePath => _directory.Combine("manager.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Admit_CountsTheTokenAndAddsTheHost_OnlyWhenEverythingHolds()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await ClusterStoreScenarios.AdmitCountsTheTokenAndAddsTheHostOnlyWhenEverythingHolds(store);
    }

    [Fact]
    public async Task Admit_OfATakenName_IsRefused_ButARemovedHostsNameIsFreeAgain()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await ClusterStoreScenarios.AdmitOfATakenNameIsRefusedButARemovedHostsNameIsFreeAgain(store);
    }

    [Fact]
    public async Task ConcurrentAdmissions_SpendEachUseOfATokenOnce()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await ClusterStoreScenarios.ConcurrentAdmissionsSpendEachUseOfATokenOnce(store, store);
    }

    [Fact]
    public async Task Heartbeats_MarkDownAndUp()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await ClusterStoreScenarios.HeartbeatsMarkDownAndUp(store);
    }

    [Fact]
    public Task Reopened_LosesNothing()
        => ClusterStoreScenarios.NothingIsLostBetweenStores(() => SqliteClusterStore.Open(DatabasePath), () => SqliteClusterStore.Open(DatabasePath));

    [Fact]
    public async Task Tokens_AreCappedAndExpiredOnesForgotten()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await ClusterStoreScenarios.TokensAreCappedAndExpiredOnesForgotten(store);
    }
}
