using System.Collections.Concurrent;
using Jumpstart.Hostd.Images;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Nbd.Client;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>Replica sets over two real qemu-nbd servers exporting the same image.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ReplicaSetTests
{
    private const long ImageSize = 8L * TestImages.MiB;
    private const int ReadSize = 64 * 1024;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly ReplicaSetOptions s_fastRetries = new() { InitialBackoff = TimeSpan.FromMilliseconds(10), AttemptsPerReplica = 2 };

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task FirstUpstreamKilledMidRead_ReadsContinueFromTheSecond()
    {
        using var dir = new TempDirectory("replicas");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), ImageSize);
        await using var first = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("a.sock"));
        await using var second = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("b.sock"));
        await using var set = await ReplicaSet.ConnectAsync([ReplicaSource.ForNbd(first.Uri), ReplicaSource.ForNbd(second.Uri)], s_fastRetries, null, CancellationToken.None);
        Assert.Equal(ImageSize, set.Size);
        Assert.Equal(0, set.PrimaryIndex);

        using var stop = new CancellationTokenSource();
        var completed = 0;
        var readers = Enumerable.Range(0, 4).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var offset = random.NextInt64(0, (ImageSize - ReadSize) / 512) * 512;
                await NbdClientTests.ReadAndCompareAsync(set, content, offset, ReadSize);
                Interlocked.Increment(ref completed);
            }
        })).ToList();

        await Poll.UntilAsync(() => Volatile.Read(ref completed) >= 100, s_timeout, "100 reads completed");
        await first.KillAsync();
        var atKill = Volatile.Read(ref completed);
        await Poll.UntilAsync(() => Volatile.Read(ref completed) >= atKill + 200 || readers.Any(r => r.IsFaulted), s_timeout, "200 reads after the kill");
        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(s_timeout);
        Assert.Equal(1, set.PrimaryIndex);
        Assert.Equal(second.Uri.ToString(), set.Name);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task LiveSwitch_WhileReadersLoop_HasNoErrors_AndMovesNewReadsToTheNewPrimary()
    {
        using var dir = new TempDirectory("replicas");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), ImageSize);
        await using var first = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("a.sock"));
        await using var second = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("b.sock"));
        var counters = new ConcurrentDictionary<string, CountingBlockSource>();
        ReplicaSource Counted(NbdUri uri) => new(uri.ToString(), async ct => counters.GetOrAdd(uri.ToString(), new CountingBlockSource(await NbdClient.ConnectAsync(uri, null, ct))));
        await using var set = await ReplicaSet.ConnectAsync([Counted(first.Uri), Counted(second.Uri)], null, null, CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var completed = 0;
        var readers = Enumerable.Range(0, 4).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                await NbdClientTests.ReadAndCompareAsync(set, content, random.NextInt64(0, ImageSize - ReadSize), ReadSize);
                Interlocked.Increment(ref completed);
            }
        })).ToList();

        for (var round = 0; round < 6; round++)
        {
            var target = round % 2 == 0 ? second.Uri.ToString() : first.Uri.ToString();
            set.SwitchTo(target);
            var before = Volatile.Read(ref completed);
            await Poll.UntilAsync(() => Volatile.Read(ref completed) >= before + 50 || readers.Any(r => r.IsFaulted), s_timeout, "50 more reads");
            var countBefore = counters[target].Reads.Count;
            await Poll.UntilAsync(() => counters[target].Reads.Count > countBefore + 20 || readers.Any(r => r.IsFaulted), s_timeout, "20 reads on the new primary");
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(s_timeout);
        Assert.Equal(first.Uri.ToString(), set.Name);
        Assert.True(counters[second.Uri.ToString()].Reads.Count > 0);
        Assert.Throws<ArgumentException>(() => set.SwitchTo("nbd://nowhere/x"));
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task NoReplicaLeft_FailsTheRead_WithAnIOExceptionNamingThemAll()
    {
        using var dir = new TempDirectory("replicas");
        TestImages.CreateSparse(dir.Combine("image.raw"), ImageSize);
        await using var first = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("a.sock"));
        await using var second = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("b.sock"));
        await using var set = await ReplicaSet.ConnectAsync([ReplicaSource.ForNbd(first.Uri), ReplicaSource.ForNbd(second.Uri)], s_fastRetries, null, CancellationToken.None);
        await first.KillAsync();
        await second.KillAsync();

        var ex = await Assert.ThrowsAsync<IOException>(async () => await set.ReadAsync(0, new byte[4096], CancellationToken.None));
        Assert.Contains("a.sock", ex.Message, StringComparison.Ordinal);
        Assert.Contains("b.sock", ex.Message, StringComparison.Ordinal);

        // Out of range is the caller's error and is not retried elsewhere.
        await using var third = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("c.sock"));
        await using var single = await ReplicaSet.ConnectAsync([ReplicaSource.ForNbd(third.Uri)], s_fastRetries, null, CancellationToken.None);
        var inval = await Assert.ThrowsAsync<NbdErrorException>(async () => await single.ReadAsync(ImageSize, new byte[512], CancellationToken.None));
        Assert.Equal(NbdError.Inval, inval.Error);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task ReplicasOfDifferentSizes_AreRefused_WhenSizesMustMatch()
    {
        using var dir = new TempDirectory("replicas");
        TestImages.CreateSparse(dir.Combine("a.raw"), ImageSize);
        TestImages.CreateSparse(dir.Combine("b.raw"), ImageSize + TestImages.MiB);
        await using var first = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("a.raw"), dir.Combine("a.sock"));
        await using var second = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("b.raw"), dir.Combine("b.sock"));
        ReplicaSource[] sources = [ReplicaSource.ForNbd(first.Uri), ReplicaSource.ForNbd(second.Uri)];

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReplicaSet.ConnectAsync(sources, new ReplicaSetOptions { RequireSameSize = true }, null, CancellationToken.None));
        Assert.Contains("b.sock", ex.Message, StringComparison.Ordinal);
        await using var lenient = await ReplicaSet.ConnectAsync(sources, null, null, CancellationToken.None);
        Assert.Equal(ImageSize, lenient.Size);
    }
}
