using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>The manager's store on SQLite: the admission step's verdicts, atomic token use, revocation numbering, and nothing lost when reopened.</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class SqliteClusterStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private readonly TempDirectory _directory = new("cluster-store");

    private string DatabasePath => _directory.Combine("manager.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Admit_CountsTheTokenAndAddsTheHost_OnlyWhenEverythingHolds()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
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

    [Fact]
    public async Task Admit_OfATakenName_IsRefused_ButARemovedHostsNameIsFreeAgain()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
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

    [Fact]
    public async Task ConcurrentAdmissions_SpendEachUseOfATokenOnce()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        var (token, id) = JoinToken.Create();
        await store.AddTokenAsync(Token(id, token, uses: 3), s_now, CancellationToken.None);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.AdmitHostAsync(id, JoinToken.Digest(token), Host($"host-{i}"), s_now, CancellationToken.None))));

        Assert.Equal(3, verdicts.Count(v => v == AdmitVerdict.Admitted));
        Assert.Equal(17, verdicts.Count(v => v == AdmitVerdict.UsedUp));
        Assert.Equal(3, (await store.ListHostsAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Heartbeats_MarkDownAndUp()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        await store.PutHostAsync(Host("host-a") with { State = HostStates.Up, LastHeartbeatAt = s_now }, CancellationToken.None);

        Assert.Empty(await store.MarkDownAsync(s_now.AddSeconds(-1), CancellationToken.None));
        Assert.Equal(["host-a"], await store.MarkDownAsync(s_now.AddSeconds(1), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.CameUp, await store.RecordHeartbeatAsync("host-a", Capacity("b1", "b2"), s_now.AddSeconds(2), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Recorded, await store.RecordHeartbeatAsync("host-a", Capacity(), s_now.AddSeconds(3), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Unknown, await store.RecordHeartbeatAsync("host-x", Capacity(), s_now, CancellationToken.None));
        await store.RemoveHostAsync("host-a", s_now, CancellationToken.None);
        Assert.Equal(HeartbeatOutcome.Removed, await store.RecordHeartbeatAsync("host-a", Capacity(), s_now.AddSeconds(4), CancellationToken.None));
    }

    [Fact]
    public async Task Reopened_LosesNothing()
    {
        var (token, id) = JoinToken.Create();
        using (var store = SqliteClusterStore.Open(DatabasePath))
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

        using var reopened = SqliteClusterStore.Open(DatabasePath);
        var hosts = await reopened.ListHostsAsync(CancellationToken.None);
        Assert.Equal(["host-a", "host-b", "host-c"], hosts.Select(h => h.Name));
        Assert.Equal([HostStates.Up, HostStates.Up, HostStates.Removed], hosts.Select(h => h.State));
        Assert.Equal(["bundle-1"], hosts[1].Capacity!.Bundles);
        Assert.Equal(s_now.AddSeconds(1), hosts[1].LastHeartbeatAt);
        var tokens = await reopened.ListTokensAsync(CancellationToken.None);
        Assert.Equal(2, tokens.Single().Used);
        Assert.True(JoinToken.Matches(tokens.Single().Digest, token));
        var revocations = await reopened.GetRevocationsAsync(CancellationToken.None);
        Assert.Equal(1, revocations.Number);
        Assert.Equal("CC", revocations.Entries.Single().Serial);
        Assert.Equal("{\"count\":2}", (await reopened.GetDeploymentAsync("d1", CancellationToken.None))!.SpecJson);
        Assert.Equal(["host-a", "host-b"], (await reopened.ListPlacementsAsync("d1", CancellationToken.None)).Select(p => p.Host));
        Assert.Equal(["host-b"], (await reopened.ListHoldersAsync("bundle-1", CancellationToken.None)).Select(h => h.Host));
        Assert.True(await reopened.DeleteDeploymentAsync("d1", CancellationToken.None));
        Assert.Empty(await reopened.ListPlacementsAsync("d1", CancellationToken.None));
    }

    [Fact]
    public async Task Tokens_AreCappedAndExpiredOnesForgotten()
    {
        using var store = SqliteClusterStore.Open(DatabasePath);
        for (var i = 0; i < Jumpstart.Hostd.Cluster.ClusterLimits.MaxTokens; i++)
        {
            var (token, id) = JoinToken.Create();
            Assert.True(await store.AddTokenAsync(Token(id, token, uses: 1), s_now, CancellationToken.None));
        }

        var (extra, extraId) = JoinToken.Create();
        Assert.False(await store.AddTokenAsync(Token(extraId, extra, uses: 1), s_now, CancellationToken.None));
        Assert.True(await store.AddTokenAsync(Token(extraId, extra, uses: 1) with { CreatedAt = s_now.AddHours(2), ExpiresAt = s_now.AddHours(3) }, s_now.AddHours(2), CancellationToken.None));
        Assert.Single(await store.ListTokensAsync(CancellationToken.None));
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
