using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.ControlPlane;

/// <summary><c>cluster migrate-store</c>'s copy: a SQLite manager database moved to a real etcd loses nothing, and an etcd prefix that holds a cluster is refused.</summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class ClusterStoreMigrationTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>, IDisposable
{
    private static readonly DateTimeOffset s_now = ClusterStoreScenarios.Now;

    private readonly TempDirectory _directory = new("migrate");

    public void Dispose() => _directory.Dispose();

    [ToolFact("etcd")]
    public async Task Migration_CopiesEverything_AndRefusesAPrefixThatHoldsACluster()
    {
        var (token, id) = JoinToken.Create();
        using var sqlite = SqliteClusterStore.Open(_directory.Combine("manager.db"));
        await sqlite.PutHostAsync(ClusterStoreScenarios.Host("host-a") with { Role = ClusterRoles.Manager, State = HostStates.Up, LastHeartbeatAt = s_now }, CancellationToken.None);
        await sqlite.AddTokenAsync(new JoinTokenRecord { Id = id, Digest = JoinToken.Digest(token), CreatedAt = s_now, ExpiresAt = s_now.AddHours(1), MaxUses = 3 }, s_now, CancellationToken.None);
        await sqlite.AdmitHostAsync(id, JoinToken.Digest(token), ClusterStoreScenarios.Host("host-b", "BB"), s_now, CancellationToken.None);
        await sqlite.AdmitHostAsync(id, JoinToken.Digest(token), ClusterStoreScenarios.Host("host-c", "CC"), s_now, CancellationToken.None);
        await sqlite.RecordHeartbeatAsync("host-b", ClusterStoreScenarios.Capacity(), s_now, CancellationToken.None);
        await sqlite.SetHoldingsAsync("host-b", ["bundle-1", "bundle-2"], s_now, CancellationToken.None);
        await sqlite.RemoveHostAsync("host-c", s_now, CancellationToken.None);
        await sqlite.PutDeploymentAsync(new ClusterDeploymentRecord { Id = "d1", Bundle = "bundle-1", SpecJson = "{}", State = "running", CreatedAt = s_now, UpdatedAt = s_now }, CancellationToken.None);
        await sqlite.SetPlacementsAsync("d1", [new PlacementRecord { DeploymentId = "d1", Instance = "vm-0", Host = "host-b", State = "ready" }], CancellationToken.None);

        var prefix = $"/jumpstart/migrated-{Guid.NewGuid():N}/";
        using var etcd = new EtcdClusterStore(fixture.Cluster.Connect(), prefix, ownsConnection: true);
        var result = await ClusterStoreMigration.CopyAsync(sqlite, "manager.db", etcd, fixture.Cluster.Store, s_now, CancellationToken.None);

        Assert.Equal((3, 1, 1, 1, 1, 2), (result.Hosts, result.Tokens, result.Revocations, result.Deployments, result.Placements, result.Holdings));
        Assert.Equal(await sqlite.ListHostsAsync(CancellationToken.None), await etcd.ListHostsAsync(CancellationToken.None), HostComparer.Instance);
        Assert.Equal(await sqlite.GetRevocationsAsync(CancellationToken.None) is var r ? (r.Number, r.Entries.Single()) : default, await etcd.GetRevocationsAsync(CancellationToken.None) is var e ? (e.Number, e.Entries.Single()) : default);
        Assert.Equal(2, (await etcd.ListTokensAsync(CancellationToken.None)).Single().Used);
        Assert.Equal(AdmitVerdict.Admitted, await etcd.AdmitHostAsync(id, JoinToken.Digest(token), ClusterStoreScenarios.Host("host-d"), s_now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.UsedUp, await etcd.AdmitHostAsync(id, JoinToken.Digest(token), ClusterStoreScenarios.Host("host-e"), s_now, CancellationToken.None));
        Assert.Equal("host-b", (await etcd.ListPlacementsAsync("d1", CancellationToken.None)).Single().Host);
        Assert.Equal(["host-b"], (await etcd.ListHoldersAsync("bundle-2", CancellationToken.None)).Select(h => h.Host));

        await Assert.ThrowsAsync<ClusterRequestException>(() => ClusterStoreMigration.CopyAsync(sqlite, "manager.db", etcd, fixture.Cluster.Store, s_now, CancellationToken.None));
    }

    /// <summary>Hosts equal field by field, the capacity's bundle list by content.</summary>
    private sealed class HostComparer : IEqualityComparer<ClusterHostRecord>
    {
        public static readonly HostComparer Instance = new();

        public bool Equals(ClusterHostRecord? x, ClusterHostRecord? y)
            => x is not null && y is not null
                && (x with { Capacity = null }) == (y with { Capacity = null })
                && (x.Capacity is null) == (y.Capacity is null)
                && (x.Capacity?.Bundles ?? []).SequenceEqual(y.Capacity?.Bundles ?? [])
                && x.Capacity?.MemoryAvailableBytes == y.Capacity?.MemoryAvailableBytes;

        public int GetHashCode(ClusterHostRecord obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
