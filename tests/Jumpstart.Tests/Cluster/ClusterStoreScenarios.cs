using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// What every <see cref="IClusterStore"/> must do, written once: <see cref="SqliteClusterStoreTests"/> runs it on SQLite,
/// ControlPlane/EtcdClusterStoreTests on a real etcd (where "a second store" is a second manager's connection).
/// </summary>
internal static class ClusterStoreScenarios
{
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    public static async Task AdmitCountsTheTokenAndAddsTheHostOnlyWhenEverythingHolds(IClusterStore store)
    {
        var (token, id) = JoinToken.Create();
        Assert.True(await store.AddTokenAsync(Token(id, token, uses: 1), Now, CancellationToken.None));

        Assert.Equal(AdmitVerdict.UnknownToken, await store.AdmitHostAsync("zzzzzz", JoinToken.Digest(token), Host("host-b"), Now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.UnknownToken, await store.AdmitHostAsync(id, JoinToken.Digest(token + "x"), Host("host-b"), Now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.Expired, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b"), Now.AddHours(2), CancellationToken.None));
        Assert.Empty(await store.ListHostsAsync(CancellationToken.None));
        Assert.Equal(0, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);

        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b"), Now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.UsedUp, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-c"), Now, CancellationToken.None));
        Assert.Equal(["host-b"], (await store.ListHostsAsync(CancellationToken.None)).Select(h => h.Name));
        Assert.Equal(1, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    public static async Task AdmitOfATakenNameIsRefusedButARemovedHostsNameIsFreeAgain(IClusterStore store)
    {
        var (token, id) = JoinToken.Create();
        await store.AddTokenAsync(Token(id, token, uses: 5), Now, CancellationToken.None);
        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA01"), Now, CancellationToken.None));
        Assert.Equal(AdmitVerdict.NameTaken, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA02"), Now, CancellationToken.None));

        var revocations = await store.RemoveHostAsync("host-b", Now, CancellationToken.None);
        Assert.NotNull(revocations);
        Assert.Equal(1, revocations.Number);
        Assert.Equal("AA01", revocations.Entries.Single().Serial);
        Assert.Null(await store.RemoveHostAsync("host-b", Now, CancellationToken.None));

        Assert.Equal(AdmitVerdict.Admitted, await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "AA02"), Now, CancellationToken.None));
        Assert.Equal("AA02", (await store.GetHostAsync("host-b", CancellationToken.None))!.Serial);
        Assert.Equal(2, (await store.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    /// <summary>20 admissions at once, alternating between <paramref name="first"/> and <paramref name="second"/> (the same store, or two managers).</summary>
    public static async Task ConcurrentAdmissionsSpendEachUseOfATokenOnce(IClusterStore first, IClusterStore second)
    {
        var (token, id) = JoinToken.Create();
        await first.AddTokenAsync(Token(id, token, uses: 3), Now, CancellationToken.None);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).AdmitHostAsync(id, JoinToken.Digest(token), Host($"host-{i}"), Now, CancellationToken.None))));

        Assert.Equal(3, verdicts.Count(v => v == AdmitVerdict.Admitted));
        Assert.Equal(17, verdicts.Count(v => v == AdmitVerdict.UsedUp));
        Assert.Equal(3, (await second.ListHostsAsync(CancellationToken.None)).Count);
        Assert.Equal(3, (await first.ListTokensAsync(CancellationToken.None)).Single().Used);
    }

    public static async Task HeartbeatsMarkDownAndUp(IClusterStore store)
    {
        await store.PutHostAsync(Host("host-a") with { State = HostStates.Up, LastHeartbeatAt = Now }, CancellationToken.None);

        Assert.Empty(await store.MarkDownAsync(Now.AddSeconds(-1), CancellationToken.None));
        Assert.Equal(["host-a"], await store.MarkDownAsync(Now.AddSeconds(1), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.CameUp, await store.RecordHeartbeatAsync("host-a", Capacity("b1", "b2"), Now.AddSeconds(2), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Recorded, await store.RecordHeartbeatAsync("host-a", Capacity(), Now.AddSeconds(3), CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Unknown, await store.RecordHeartbeatAsync("host-x", Capacity(), Now, CancellationToken.None));
        await store.RemoveHostAsync("host-a", Now, CancellationToken.None);
        Assert.Equal(HeartbeatOutcome.Removed, await store.RecordHeartbeatAsync("host-a", Capacity(), Now.AddSeconds(4), CancellationToken.None));
    }

    /// <summary>Writes through <paramref name="write"/>'s store, disposes it, and reads everything back through <paramref name="read"/> (reopened, or another manager).</summary>
    public static async Task NothingIsLostBetweenStores(Func<IClusterStore> write, Func<IClusterStore> read)
    {
        var (token, id) = JoinToken.Create();
        using (var store = write())
        {
            await store.PutHostAsync(Host("host-a") with { Role = ClusterRoles.Manager, State = HostStates.Up, LastHeartbeatAt = Now }, CancellationToken.None);
            await store.AddTokenAsync(Token(id, token, uses: 2), Now, CancellationToken.None);
            await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-b", "BB"), Now, CancellationToken.None);
            await store.AdmitHostAsync(id, JoinToken.Digest(token), Host("host-c", "CC"), Now, CancellationToken.None);
            await store.RecordHeartbeatAsync("host-b", Capacity("bundle-1"), Now.AddSeconds(1), CancellationToken.None);
            await store.RemoveHostAsync("host-c", Now.AddSeconds(2), CancellationToken.None);
            await store.PutDeploymentAsync(new ClusterDeploymentRecord { Id = "d1", Bundle = "bundle-1", SpecJson = "{\"count\":2}", State = "running", CreatedAt = Now, UpdatedAt = Now }, CancellationToken.None);
            await store.SetPlacementsAsync("d1", [Placement("d1", "vm-0", "host-a"), Placement("d1", "vm-1", "host-b")], CancellationToken.None);
            await store.SetHoldingsAsync("host-b", ["bundle-1"], Now, CancellationToken.None);
        }

        using var reopened = read();
        var hosts = await reopened.ListHostsAsync(CancellationToken.None);
        Assert.Equal(["host-a", "host-b", "host-c"], hosts.Select(h => h.Name));
        Assert.Equal([HostStates.Up, HostStates.Up, HostStates.Removed], hosts.Select(h => h.State));
        Assert.Equal(["bundle-1"], hosts[1].Capacity!.Bundles);
        Assert.Equal(Now.AddSeconds(1), hosts[1].LastHeartbeatAt);
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

    public static async Task TokensAreCappedAndExpiredOnesForgotten(IClusterStore store)
    {
        for (var i = 0; i < Jumpstart.Hostd.Cluster.ClusterLimits.MaxTokens; i++)
        {
            var (token, id) = JoinToken.Create();
            Assert.True(await store.AddTokenAsync(Token(id, token, uses: 1), Now, CancellationToken.None));
        }

        var (extra, extraId) = JoinToken.Create();
        Assert.False(await store.AddTokenAsync(Token(extraId, extra, uses: 1), Now, CancellationToken.None));
        Assert.True(await store.AddTokenAsync(Token(extraId, extra, uses: 1) with { CreatedAt = Now.AddHours(2), ExpiresAt = Now.AddHours(3) }, Now.AddHours(2), CancellationToken.None));
        Assert.Single(await store.ListTokensAsync(CancellationToken.None));
    }

    public static JoinTokenRecord Token(string id, string token, int uses)
        => new() { Id = id, Digest = JoinToken.Digest(token), CreatedAt = Now, ExpiresAt = Now.AddHours(1), MaxUses = uses };

    public static ClusterHostRecord Host(string name, string serial = "0A")
        => new() { Name = name, Role = ClusterRoles.Member, State = HostStates.Down, Endpoint = $"{name}:7443", Serial = serial, Certificate = "PEM", JoinedAt = Now };

    public static HostCapacity Capacity(params string[] bundles)
        => new() { Cores = 2, MemoryTotalBytes = 1 << 30, MemoryAvailableBytes = 1 << 29, RunningVms = 0, FreeSpaceBytes = 1 << 30, Bundles = bundles };

    public static PlacementRecord Placement(string deployment, string instance, string host)
        => new() { DeploymentId = deployment, Instance = instance, Host = host, State = "running" };
}
