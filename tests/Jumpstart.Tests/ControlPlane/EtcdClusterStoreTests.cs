using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
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
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private readonly string _prefix = $"/jumpstart/test-{Guid.NewGuid():N}/";

    private EtcdClusterStore Open() => new(fixture.Cluster.Connect(), _prefix, ownsConnection: true);

    [ToolFact("etcd")]
    public async Task Admit_CountsTheTokenAndAddsTheHost_OnlyWhenEverythingHolds()
    {
        using var store = Open();
        var (token, id) = JoinToken.Create();
        Assert.True(await store.AddTokenAsync(Token(id, token, uses: 1), s_now, CancellationToken.None));

        Assert.Equal(AdmitVerdict.UnknownToken, await store.AdmitHostAsync("zzzzzz", JoinToken.Digest(token), Host("host-b"), s_now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.UnknownToken, await store.AdmitHostAsync(id, JoinToken.Digest(token + "x"), Host("host-b"), s_now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.Expired, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b"), s_now.AddHours(2), CancellationToken.None));
        Assert.Empty(await store.ListHostsAsync(CancellationToken.None));
        Assert.Equal(0, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);

        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b"), s_now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.UsedUp, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-c"), s_now, CancellationToken.None));
        Assert.Equal(["host-b"], (await store.ListHostsAsync(CancellationToken.None)).Select(h => h.Name));
        Assert.Equal(1, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    [ToolFact("etcd")]
    public async Task Admit_OfATakenName_IsRefused_ButARemovedHostsNameIsFreeAgain()
    {
        using var store = Open();
        var (token, id) = JoinToken.Create();
        await store.AddTokenAsync(Token(id, token, uses: 5), s_now, CancellationToken.None);
        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA01"), s_now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.NameTaken, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA02"), s_now, CancellationToken.None));

        var revocations = await store.RemoveHostAsync("host-b", s_now, CancellationToken.None);
        Assert.NotNull(revocations);
        Assert.Equal(1, revocations.Number);
        Assert.Equal("AA01", revocations.Entries.Single().Serial);
        Assert.Null(await store.RemoveHostAsync("host-b", s_now, CancellationToken.None));

        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA02"), s_now, CancellationToken.None));
        Assert.Equal("AA02", (await store.GetHostAsync("host-b", CancellationToken.None))!.Serial);
        Assert.Equal(2, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    [ToolFact("etcd")]
    public async Task ConcurrentAdmissionsAtTwoManagers_SpendEachUseOfATokenOnce()
    {
        using var managerA = Open();
        using var managerB = Open();
        var (token, id) = JoinToken.Create();
        await managerA.AddTokenAsync(Token(id, token, uses: 3), s_now, CancellationToken.None);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? managerA : managerB).AdmitHostAsync(id, JoinToken.Digest(token), Host($"host-{i}"), s_now, CancellationToken.None))));

        Assert.Equal(3, verdicts.Count(v => v == AdmitVerdict.Admitted));
        Assert.Equal(17, verdicts.Count(v => v == AdmitVerdict.UsedUp));
        Assert.Equal(3, (await managerB.ListHostsAsync(CancellationToken.None)).Count);
        Assert.Equal(3, (await managerA.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    [ToolFact("etcd")]
    public async Task ConcurrentRemovalsAtTwoManagers_RevokeOnceAndNumberOneList()
    {
        using var managerA = Open();
        using var managerB = Open();
        await managerA.PutHostAsync(Host("host-b", "BB01") with { State = HostStates.Up }, CancellationToken.None);

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
        await store.PutHostAsync(Host("host-a") with { State = HostStates.Up, LastHeartbeatAt = s_now }, CancellationToken.None);

        Assert.Empty(await store.MarkDownAsync(s_now.AddSeconds(-1), CancellationToken.None));
        Assert.Equal(["host-a"], await store.MarkDownAsync(s_now.AddSeconds(1), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.CameUp, await store.RecordHeartbeatAsync("host-a", Capacity("b1", "b2"), s_now.AddSeconds(2), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Recorded, await store.RecordHeartbeatAsync("host-a", Capacity(), s_now.AddSeconds(3), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Unknown, await store.RecordHeartbeatAsync("host-x", Capacity(), s_now, CancellationToken.None));
        await store.RemoveHostAsync("host-a", s_now, CancellationToken.None);
        Assert.Equal(HeartbeatOutcome.Removed, await store.RecordHeartbeatAsync("host-a", Capacity(), s_now.AddSeconds(4), CancellationToken.None));
    }

    [ToolFact("etcd")]
    public async Task ASecondManager_SeesEverythingTheFirstWrote()
    {
        var (token, id) = JoinToken.Create();
        using (var store = Open())
        {
            await store.PutHostAsync(Host("host-a") with { Role = ClusterRoles.Manager, State = HostStates.Up, LastHeartbeatAt = s_now }, CancellationToken.None);
            await store.AddTokenAsync(Token(id, token, uses: 2), s_now, CancellationToken.None);
            await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "BB"), s_now, CancellationToken.None);
            await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-c", "CC"), s_now, CancellationToken.None);
            await store.RecordHeartbeatAsync("host-b", Capacity("bundle-1"), s_now.AddSeconds(1), CancellationToken.None);
            await store.RemoveHostAsync("host-c", s_now.AddSeconds(2), CancellationToken.None);
            await store.PutDeploymentAsync(new ClusterDeploymentRecord { Id = "d1", Bundle = "bundle-1", SpecJson = "{\"count\":2}", State = "running", CreatedAt = s_now, UpdatedAt = s_now }, CancellationToken.None);
            await store.SetPlacementsAsync("d1", [Placement("d1", "vm-0", "host-a"), Placement("d1", "vm-1", "host-b")], CancellationToken.None);
            await store.SetHoldingsAsync("host-b", ["bundle-1"], s_now, CancellationToken.None);
        }

        using var other = Open();
        var hosts = await other.ListHostsAsync(CancellationToken.None);
        Assert.Equal(["host-a", "host-b", "host-c"], hosts.Select(h => h.Name));
        Assert.Equal([HostStates.Up, HostStates.Up, HostStates.Removed], hosts.Select(h => h.State));
        Assert.Equal(["bundle-1"], hosts[1].Capacity!.Bundles);
        Assert.Equal(s_now.AddSeconds(1), hosts[1].LastHeartbeatAt);
        var tokens = await other.ListTokensAsync(CancellationToken.None);
        Assert.Equal(2, tokens.Single().Used);
        Assert.True(JoinToken.Matches(tokens.Single().Digest, token));
        var revocations = await other.GetRevocationsAsync(CancellationToken.None);
        Assert.Equal(1, revocations.Number);
        Assert.Equal("CC", revocations.Entries.Single().Serial);
        Assert.Equal("{\"count\":2}", (await other.GetDeploymentAsync("d1", CancellationToken.None))!.SpecJson);
        Assert.Equal(["host-a", "host-b"], (await other.ListPlacementsAsync("d1", CancellationToken.None)).Select(p => p.Host));
        Assert.Equal(["host-b"], (await other.ListHoldersAsync("bundle-1", CancellationToken.None)).Select(h => h.Host));
        await Assert.ThrowsAsync<ClusterStoreException>(() => other.SetPlacementsAsync("d2", [Placement("d2", "vm-0", "host-a")], CancellationToken.None));
        Assert.True(await other.DeleteDeploymentAsync("d1", CancellationToken.None));
        Assert.False(await other.DeleteDeploymentAsync("d1", CancellationToken.None));
        Assert.Empty(await other.ListPlacementsAsync("d1", CancellationToken.None));
    }

    [ToolFact("etcd")]
    public async Task Tokens_AreCappedAndExpiredOnesForgotten()
    {
        using var store = Open();
        for (var i = 0; i < ClusterLimits.MaxTokens; i++)
        {
            var (token, id) = JoinToken.Create();
            Assert.True(await store.AddTokenAsync(Token(id, token, uses: 1), s_now, CancellationToken.None));
        }

        var (extra, extraId) = JoinToken.Create();
        Assert.False(await store.AddTokenAsync(Token(extraId, extra, uses: 1), s_now, CancellationToken.None));
        Assert.True(await store.AddTokenAsync(Token(extraId, extra, uses: 1) with { CreatedAt = s_now.AddHours(2), ExpiresAt = s_now.AddHours(3) }, s_now.AddHours(2), CancellationToken.None));
        Assert.Single(await store.ListTokensAsync(CancellationToken.None));
    }

    [ToolFact("etcd")]
    public async Task AnUnreachableEtcd_IsAClusterStoreException_NamingIt()
    {
        using var store = new EtcdClusterStore(fixture.Cluster.Connect("etcd://localhost:1"), _prefix, ownsConnection: true);

        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.ListHostsAsync(CancellationToken.None));

        Assert.Contains("etcd at localhost:1", error.Message, StringComparison.Ordinal);
        Assert.Equal(69, error.ExitCode);
    }

    private static JoinTokenRecord Token(string id, string token, int uses)
        => new() { Id = id, Digest = JoinToken.Digest(token), CreatedAt = s_now, ExpiresAt = s_now.AddHours(1), MaxUses = uses };

    private static ClusterHostRecord Host(string name, string serial = "0A")
        => new() { Name = name, Role = ClusterRoles.Member, State = HostStates.Down, Endpoint = $"{name}:7443", Serial = serial, Certificate = "PEM", JoinedAt = s_now };

    private static HostCapacity Capacity(params string[] bundles)
        => new() { Cores = 2, MemoryTotalBytes = 1 << 30, MemoryAvailableBytes = 1 << 29, RunningVms = 0, FreeSpaceBytes = 1 << 30, Bundles = bundles };

    private static PlacementRecord Placement(string deployment, string instance, string host)
        => new() { DeploymentId = deployment, Instance = instance, Host = host, State = "running" };
}
