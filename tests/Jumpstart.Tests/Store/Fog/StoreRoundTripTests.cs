using System.Security.Cryptography;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Fog;

/// <summary>Put and get through real block-server processes: awkward sizes, a large file, every single server down.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreRoundTripTests
{
    private const int SmallBlock = 4096;
    private const int SmallChunk = SmallBlock - FileCipher.TagLength;
    private const int DefaultChunk = StoreLimits.DefaultBlockSize - FileCipher.TagLength;

    private static readonly (int BlockSize, int Size)[] s_awkwardSizes =
    [
        (SmallBlock, 0),
        (SmallBlock, 1),
        (SmallBlock, SmallChunk - 1),
        (SmallBlock, SmallChunk),
        (SmallBlock, SmallChunk + 1),
        (SmallBlock, SmallBlock - 1),
        (SmallBlock, SmallBlock),
        (SmallBlock, SmallBlock + 1),
        (SmallBlock, (6 * SmallChunk) - 1),
        (SmallBlock, 6 * SmallChunk),
        (SmallBlock, (6 * SmallChunk) + 1),
        (SmallBlock, 100_003),
        (StoreLimits.DefaultBlockSize, 0),
        (StoreLimits.DefaultBlockSize, 1),
        (StoreLimits.DefaultBlockSize, DefaultChunk - 1),
        (StoreLimits.DefaultBlockSize, DefaultChunk + 1),
        (StoreLimits.DefaultBlockSize, StoreLimits.DefaultBlockSize - 1),
        (StoreLimits.DefaultBlockSize, StoreLimits.DefaultBlockSize + 1),
    ];

    [Fact]
    public async Task PutThenGet_OfAwkwardSizes_IsByteIdentical()
    {
        using var directory = new TempDirectory("store-sizes");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        foreach (var (blockSize, size) in s_awkwardSizes)
        {
            var data = RandomNumberGenerator.GetBytes(size);
            var name = $"f-{blockSize}-{size}";
            var put = await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = name, BlockSize = blockSize }, null, CancellationToken.None);
            Assert.Equal(size, put.File.Length);
            Assert.Equal(put.File.Stripes * 8, put.Combinations);
            var output = new MemoryStream();
            var got = await cluster.Store.GetAsync(name, output, null, CancellationToken.None);
            Assert.Empty(got.Problems);
            Assert.True(data.AsSpan().SequenceEqual(output.ToArray()), $"{name} differs after a round trip");
        }
    }

    [Fact]
    public async Task PutThenGet_Of64MiB_IsByteIdentical()
    {
        // The issue asks for 1 GiB; that size runs in 'tests/bench/run store' (the suite keeps to 64 MiB for time).
        const long Size = 64L << 20;
        using var directory = new TempDirectory("store-large");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        var put = await cluster.Store.PutAsync(new SlowStream(Size, 42, TimeSpan.Zero), new PutOptions { Name = "large" }, null, CancellationToken.None);
        Assert.Equal(Size, put.File.Length);
        using var hash = new HashingStream();
        await cluster.Store.GetAsync("large", hash, null, CancellationToken.None);
        Assert.Equal(Size, hash.Length);
        Assert.Equal(await HashingStream.OfAsync(new SlowStream(Size, 42, TimeSpan.Zero)), hash.Digest());
    }

    [Fact]
    public async Task Get_WithEachServerKilledInTurn_ReturnsTheFileAndNamesTheServer()
    {
        using var directory = new TempDirectory("store-down");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        var data = RandomNumberGenerator.GetBytes(300_000);
        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = "f", BlockSize = SmallBlock }, null, CancellationToken.None);
        for (var down = 0; down < 4; down++)
        {
            await cluster.StopAsync(down);
            var output = new MemoryStream();
            var got = await cluster.Store.GetAsync("f", output, null, CancellationToken.None);
            Assert.True(data.AsSpan().SequenceEqual(output.ToArray()), $"wrong bytes with s{down} down");
            Assert.Equal([cluster.Names[down]], got.UnreachableServers.Keys);
            Assert.DoesNotContain(got.Problems, p => p.Kind == StoreProblemKind.Corrupt);
            await cluster.RestartAsync(down);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Get_WithAnySingleInProcessServerStopped_ReturnsTheFile(int servers)
    {
        using var directory = new TempDirectory("store-down-s");
        await using var cluster = await StoreCluster.StartAsync(directory, servers, processes: false);
        var data = RandomNumberGenerator.GetBytes(200_000);
        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = "f", BlockSize = SmallBlock }, null, CancellationToken.None);
        for (var down = 0; down < servers; down++)
        {
            await cluster.StopAsync(down);
            var output = new MemoryStream();
            await cluster.Store.GetAsync("f", output, null, CancellationToken.None);
            Assert.True(data.AsSpan().SequenceEqual(output.ToArray()), $"S={servers}: wrong bytes with s{down} down");
            await cluster.RestartAsync(down);
        }
    }

    [Fact]
    public async Task Get_WithTwoServersKilled_FailsNamingWhatIsLostAndWritesNothingWrong()
    {
        using var directory = new TempDirectory("store-lost");
        await using var cluster = await StoreCluster.StartAsync(directory, 4);
        await cluster.Store.PutAsync(new MemoryStream(RandomNumberGenerator.GetBytes(50_000)), new PutOptions { Name = "f", BlockSize = SmallBlock }, null, CancellationToken.None);
        await cluster.StopAsync(1);
        await cluster.StopAsync(2);

        var lost = await Assert.ThrowsAsync<StoreDataLostException>(() => cluster.Store.GetAsync("f", Stream.Null, null, CancellationToken.None));
        Assert.Equal("f", lost.FileName);
        Assert.NotEmpty(lost.LostBlocks);
        Assert.Contains("s1", lost.Message, StringComparison.Ordinal);
        Assert.Contains("s2", lost.Message, StringComparison.Ordinal);

        var output = directory.Combine("out");
        var cli = await cluster.CliAsync("store", "get", "f", "--output", output);
        Assert.Equal(65, cli.ExitCode);
        Assert.Contains("lost beyond the survivable set", cli.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.EnumerateFiles(directory.Path, ".out.partial-*"));
    }
}
