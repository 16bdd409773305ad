using System.Net.Sockets;
using System.Security.Cryptography;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Fog;

/// <summary>Corrupt, lying and crashed block servers, wrong tokens, verify and repair.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreIntegrityTests
{
    private const int BlockSize = 4096;

    private static async Task<(byte[] Data, IReadOnlyList<StoredCombination> Map)> PutAsync(StoreCluster cluster, int size, string name = "f")
    {
        var data = RandomNumberGenerator.GetBytes(size);
        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = name, BlockSize = BlockSize }, null, CancellationToken.None);
        return (data, cluster.Catalog.GetFile(name).Combinations);
    }

    private static async Task<GetResult> GetAndCompareAsync(StoreCluster cluster, byte[] data, string name = "f")
    {
        var output = new MemoryStream();
        var result = await cluster.Store.GetAsync(name, output, null, CancellationToken.None);
        Assert.True(data.AsSpan().SequenceEqual(output.ToArray()), "the bytes differ");
        return result;
    }

    [Fact]
    public async Task Get_WithAnyOneStoredCombinationCorrupted_RecoversAndReportsIt()
    {
        using var directory = new TempDirectory("store-corrupt");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        var (data, map) = await PutAsync(cluster, 2 * 6 * (BlockSize - 16));
        Assert.Equal(16, map.Count);
        foreach (var combination in map)
        {
            var path = cluster.ObjectPath(cluster.IndexOf(combination.Server), combination.ObjectId);
            var original = await File.ReadAllBytesAsync(path);
            var corrupt = (byte[])original.Clone();
            corrupt[combination.Slot * 97 % corrupt.Length] ^= 0x01;
            await File.WriteAllBytesAsync(path, corrupt);

            var result = await GetAndCompareAsync(cluster, data);
            // A get reads one server's slots less, so the corrupt one is either read (and reported) or skipped.
            Assert.All(result.Problems, p => Assert.Equal((combination.Server, combination.Stripe, combination.Slot, StoreProblemKind.Corrupt), (p.Server, p.Stripe, p.Slot, p.Kind)));
            var verify = await cluster.Store.VerifyAsync("f", null, CancellationToken.None);
            var problem = Assert.Single(verify.Problems);
            Assert.Equal((combination.Server, combination.ObjectId, StoreProblemKind.Corrupt), (problem.Server, problem.ObjectId, problem.Kind));
            Assert.True(verify.Recoverable);
            await File.WriteAllBytesAsync(path, original);
        }
    }

    [Fact]
    public async Task Get_FromALyingServerServingAnotherCombination_DetectsAndNamesIt()
    {
        using var directory = new TempDirectory("store-lying");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        var (data, map) = await PutAsync(cluster, 5 * 6 * (BlockSize - 16));

        // s2 answers every request for its combinations with one other valid-looking combination of its own.
        var liar = cluster.IndexOf("s2");
        var onLiar = map.Where(c => c.Server == "s2").ToList();
        var decoy = await File.ReadAllBytesAsync(cluster.ObjectPath(liar, onLiar[0].ObjectId));
        foreach (var combination in onLiar.Skip(1))
        {
            await File.WriteAllBytesAsync(cluster.ObjectPath(liar, combination.ObjectId), decoy);
        }

        var result = await GetAndCompareAsync(cluster, data);
        Assert.NotEmpty(result.Problems);
        Assert.All(result.Problems, p => Assert.Equal(("s2", StoreProblemKind.Corrupt), (p.Server, p.Kind)));
        Assert.Contains("server s2 served bad data", result.Problems[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_OfCorruptAndDeletedCombinations_RecreatesThemAndVerifyThenPasses()
    {
        using var directory = new TempDirectory("store-repair");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        var (data, map) = await PutAsync(cluster, 3 * 6 * (BlockSize - 16));
        var corrupt = map[3];
        var deleted = map[12];
        var path = cluster.ObjectPath(cluster.IndexOf(corrupt.Server), corrupt.ObjectId);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^1] ^= 0xff;
        await File.WriteAllBytesAsync(path, bytes);
        File.Delete(cluster.ObjectPath(cluster.IndexOf(deleted.Server), deleted.ObjectId));

        var before = await cluster.Store.VerifyAsync("f", null, CancellationToken.None);
        Assert.Equal([StoreProblemKind.Corrupt, StoreProblemKind.Missing], before.Problems.Select(p => p.Kind));
        Assert.True(before.Recoverable);

        var repair = await cluster.Store.RepairAsync("f", new Dictionary<string, string>(), CancellationToken.None);
        Assert.Equal(2, repair.Recreated);
        Assert.Empty(repair.NotRepaired);
        var after = await cluster.Store.VerifyAsync("f", null, CancellationToken.None);
        Assert.True(after.Intact);
        await GetAndCompareAsync(cluster, data);
    }

    [Fact]
    public async Task Repair_WithADeadServerReplaced_MovesItsCombinationsAndSurvivesTheNextLoss()
    {
        using var directory = new TempDirectory("store-replace");
        await using var cluster = await StoreCluster.StartAsync(directory, 5);
        var data = RandomNumberGenerator.GetBytes(4 * 6 * (BlockSize - 16));
        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = "f", BlockSize = BlockSize, Servers = ["s0", "s1", "s2", "s3"] }, null, CancellationToken.None);
        await cluster.StopAsync(1);

        var incomplete = await cluster.Store.RepairAsync("f", new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotEmpty(incomplete.NotRepaired);
        Assert.Contains("--replace s1=OTHER", incomplete.NotRepaired[0], StringComparison.Ordinal);

        var repair = await cluster.Store.RepairAsync("f", new Dictionary<string, string> { ["s1"] = "s4" }, CancellationToken.None);
        Assert.Empty(repair.NotRepaired);
        Assert.DoesNotContain(cluster.Catalog.GetFile("f").Combinations, c => c.Server == "s1");

        // s1 stays dead; now s0 dies too. s4 carries what s1 had, so this is again a single loss.
        await cluster.StopAsync(0);
        await GetAndCompareAsync(cluster, data);
    }

    [Fact]
    public async Task BlockServer_WithAWrongTokenOrNoHello_RefusesTheRequest()
    {
        using var directory = new TempDirectory("store-token");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        await using (var wrong = new BlockClient("s0", cluster.EndPointOf(0), cluster.TokenOf(0) + "x"))
        {
            await Assert.ThrowsAsync<BlockServerDeniedException>(() => wrong.StatsAsync(CancellationToken.None));
        }

        await using (var right = new BlockClient("s0", cluster.EndPointOf(0), cluster.TokenOf(0)))
        {
            Assert.Equal((0L, 0L), await right.StatsAsync(CancellationToken.None));
        }

        // A raw client asking for an object without saying Hello first: Denied, then the server hangs up.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(cluster.EndPointOf(0));
        await using var stream = new NetworkStream(socket);
        var header = new byte[BlockProtocol.HeaderLength];
        var id = "00112233445566778899aabbccddeeff"u8.ToArray();
        BlockProtocol.WriteRequestHeader(header, BlockOp.Get, id.Length, 0);
        await stream.WriteAsync(header.Concat(id).ToArray());
        var answer = new byte[BlockProtocol.HeaderLength + 6];
        await stream.ReadExactlyAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(BlockStatus.Denied, BlockProtocol.ParseResponseHeader(answer).Status);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Put_WhenABlockServerIsSigkilledMidway_FailsAndNoPartialCombinationIsEverServed()
    {
        using var directory = new TempDirectory("store-sigkill");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        const long Size = 48L << 20;
        var put = cluster.Store.PutAsync(new SlowStream(Size, 7, TimeSpan.FromMilliseconds(30)), new PutOptions { Name = "big" }, null, CancellationToken.None);
        await Poll.UntilAsync(() => cluster.Objects(0).Count >= 4 || put.IsCompleted, TimeSpan.FromSeconds(60), "4 combinations on server 0", TimeSpan.FromMilliseconds(5));

        Assert.False(put.IsCompleted, "the put finished before the server could be killed");
        await cluster.StopAsync(0);
        await Assert.ThrowsAsync<BlockServerUnavailableException>(() => put.WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.Empty(cluster.Catalog.Files());
        await Assert.ThrowsAsync<StoreNotFoundException>(() => cluster.Store.GetAsync("big", Stream.Null, null, CancellationToken.None));

        await cluster.RestartAsync(0);
        Assert.Empty(cluster.TemporaryFiles(0));
        await using var client = new BlockClient("s0", cluster.EndPointOf(0), cluster.TokenOf(0));
        var buffer = new byte[StoreLimits.DefaultBlockSize + 1];
        foreach (var file in cluster.Objects(0))
        {
            // Every object the restarted server still serves is a whole combination, never a cut-off one.
            Assert.Equal(StoreLimits.DefaultBlockSize, file.Length);
            Assert.Equal(StoreLimits.DefaultBlockSize, await client.GetAsync(file.Name, buffer, CancellationToken.None));
        }
    }
}
