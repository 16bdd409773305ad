using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Store.Server;

/// <summary>
/// Attacks on a real <c>jumpstart store serve</c> process by peers that never authenticate (issue 13, items 3, 4 and 6):
/// requests with bodies before Hello, idle sockets, a low open-files limit; and a Delete whose directory is missing.
/// Each one checks the server's answer, its memory while attacked and after, and that a legitimate fog is served.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class BlockServerHostileTests(ITestOutputHelper output)
{
    private const int Attacked = 0;

    /// <summary>Growth allowed while 200 peers claim 8 MiB bodies (a server that read them grew by 1.6 GB).</summary>
    private const long AttackGrowthBound = 200L << 20;

    /// <summary>How close to its start the server's RSS must come back after an attack.</summary>
    private const long AfterGrowthBound = 64L << 20;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(120);

    /// <summary>One 1 MiB chunk every attacker sends as its body (read-only, shared).</summary>
    private static readonly byte[] s_chunk = new byte[1 << 20];

    [Theory]
    [InlineData(BlockOp.Put, BlockProtocol.MaxPayload, BlockStatus.Denied)]
    [InlineData(BlockOp.Get, 0, BlockStatus.Denied)]
    [InlineData(BlockOp.Stats, 0, BlockStatus.Denied)]
    [InlineData(BlockOp.Hello, BlockProtocol.MaxPayload, BlockStatus.BadRequest)]
    [InlineData(BlockOp.Hello, int.MaxValue, BlockStatus.BadRequest)]
    public async Task FirstRequest_OtherThanABoundedHello_IsRefusedFromItsHeaderAlone(BlockOp op, int claimed, BlockStatus refusal)
    {
        using var directory = new TempDirectory("block-hostile-header");
        await using var cluster = await StoreCluster.StartAsync(directory, 3);
        using var bound = new CancellationTokenSource(s_bound);
        using var socket = await BlockWire.ConnectAsync(cluster.EndPointOf(Attacked), null, bound.Token);

        // Only the header (and the id): the answer comes without a byte of the claimed body.
        await socket.SendAsync(BlockWire.Request(op, op is BlockOp.Put or BlockOp.Get ? BlockWire.ObjectId(1) : string.Empty, claimed), bound.Token);
        Assert.Equal(refusal, (await BlockWire.ReadAnswerAsync(socket, bound.Token))?.Status);
        Assert.True(await BlockWire.IsClosedByServerAsync(socket, s_bound), "the server kept a refused connection open");
        await RoundTripAsync(cluster, "after");
    }

    [Fact]
    public async Task Flood_OfPutsBeforeHelloWith8MiBBodies_KeepsMemoryBoundedAndServesTheFog()
    {
        const int Attackers = 200;
        using var directory = new TempDirectory("block-hostile-body");
        await using var cluster = await StoreCluster.StartAsync(directory, 3);
        var pid = cluster.PidOf(Attacked);
        var server = cluster.EndPointOf(Attacked);
        await RoundTripAsync(cluster, "before");
        var start = ProcessMemory.RssBytes(pid);

        using var bound = new CancellationTokenSource(s_bound);
        var answers = new BlockStatus?[Attackers];
        var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
        {
            // As the original attack: all at once, each a Put with the 8 MiB body it claims, here from 8 addresses
            // other than the fog's. A server that read bodies before Hello held 8 MiB for each.
            var attack = Task.WhenAll(Enumerable.Range(0, Attackers).Select(async i =>
                answers[i] = await PutBeforeHelloAsync(server, IPAddress.Parse($"127.0.0.{2 + (i % 8)}"), bound.Token)));
            await RoundTripAsync(cluster, "during");
            await attack;
        });
        var after = await RssAfterAsync(pid, start);
        var refused = answers.Count(a => a == BlockStatus.Denied);
        output.WriteLine($"RSS start {Mib(start)}, peak during {Mib(peak)}, after {Mib(after)}; {refused} of {Attackers} answered Denied, the others closed when newer connections evicted them");

        // Each is refused from its header (Denied) or evicted by a newer one before it (closed); none is served.
        Assert.All(answers, a => Assert.True(a is BlockStatus.Denied or null, $"a Put before Hello was answered {a}"));
        Assert.True(refused > 0, "no Put before Hello was answered Denied");
        Assert.True(peak - start < AttackGrowthBound, $"RSS grew from {Mib(start)} to {Mib(peak)} while unauthenticated peers sent 8 MiB bodies");
        AssertBackNearStart(start, after);
        Assert.False(cluster.HasExited(Attacked), "the block server exited");
        await RoundTripAsync(cluster, "after");
    }

    [Theory]
    [InlineData("127.0.0.2")]
    [InlineData("127.0.0.1")]
    public async Task IdleUnauthenticatedSockets_DoNotLockOutALegitimatePut(string attacker)
    {
        const int Idle = 300;
        using var directory = new TempDirectory("block-hostile-idle");
        await using var cluster = await StoreCluster.StartAsync(directory, 3);
        var pid = cluster.PidOf(Attacked);
        var server = cluster.EndPointOf(Attacked);
        await RoundTripAsync(cluster, "before");
        var start = ProcessMemory.RssBytes(pid);

        var sockets = new ConcurrentBag<Socket>();
        try
        {
            var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
            {
                // More idle sockets than the old cap of 256 connections, from one source; they send nothing.
                // A connect the server resets at once (evicted by a newer one before it completed) counts as closed.
                await Task.WhenAll(Enumerable.Range(0, Idle).Select(async _ =>
                {
                    if (await BlockWire.TryConnectAsync(server, IPAddress.Parse(attacker), CancellationToken.None).WaitAsync(s_bound) is { } socket)
                    {
                        sockets.Add(socket);
                    }
                }));
                await Poll.UntilAsync(() => BlockWire.AcceptBacklog(server.Port) == 0, s_bound, "the server accepting every idle socket");

                // The fog connects once per connection it needs and never retries: it must get in at once.
                await RoundTripAsync(cluster, "during");
            });
            output.WriteLine($"RSS start {Mib(start)}, peak during {Mib(peak)}");
            Assert.True(peak - start < AttackGrowthBound, $"RSS grew from {Mib(start)} to {Mib(peak)} with {Idle} idle sockets");

            // Before Hello a connection gets seconds, not the 2 minutes an authenticated one may idle.
            var closed = await Task.WhenAll(sockets.Select(s => BlockWire.IsClosedByServerAsync(s, TimeSpan.FromSeconds(30))));
            Assert.DoesNotContain(false, closed);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        Assert.False(cluster.HasExited(Attacked), "the block server exited");
        await RoundTripAsync(cluster, "after");
        var after = await RssAfterAsync(pid, start);
        output.WriteLine($"RSS after {Mib(after)}");
        AssertBackNearStart(start, after);
    }

    [Fact]
    public async Task Delete_OfAnObjectWhoseDirectoryIsMissing_AnswersOkAndTheConnectionStaysUsable()
    {
        using var directory = new TempDirectory("block-hostile-delete");
        await using var cluster = await StoreCluster.StartAsync(directory, 3);
        using var bound = new CancellationTokenSource(s_bound);
        using var socket = await BlockWire.ConnectAsync(cluster.EndPointOf(Attacked), null, bound.Token);
        Assert.Equal(BlockStatus.Ok, await BlockWire.HelloAsync(socket, cluster.TokenOf(Attacked), bound.Token));

        // Nothing stored yet: neither this peer's directory nor the object's fan-out directory exists.
        var id = BlockWire.ObjectId(0xab);
        Assert.False(Directory.Exists(Path.GetDirectoryName(cluster.ObjectPath(Attacked, id))));
        Assert.Equal(BlockStatus.Ok, (await BlockWire.CallAsync(socket, BlockOp.Delete, id, ReadOnlyMemory<byte>.Empty, bound.Token))?.Status);

        // The same connection goes on: store, read back, delete, and find nothing.
        var data = RandomNumberGenerator.GetBytes(4096);
        Assert.Equal(BlockStatus.Ok, (await BlockWire.CallAsync(socket, BlockOp.Put, id, data, bound.Token))?.Status);
        var got = await BlockWire.CallAsync(socket, BlockOp.Get, id, ReadOnlyMemory<byte>.Empty, bound.Token);
        Assert.Equal(BlockStatus.Ok, got?.Status);
        Assert.Equal(data, got?.Payload);

        // Its fan-out directory removed under the server (an operator cleaning up): still an answer.
        Directory.Delete(Path.GetDirectoryName(cluster.ObjectPath(Attacked, id))!, recursive: true);
        Assert.Equal(BlockStatus.Ok, (await BlockWire.CallAsync(socket, BlockOp.Delete, id, ReadOnlyMemory<byte>.Empty, bound.Token))?.Status);
        Assert.Equal(BlockStatus.NotFound, (await BlockWire.CallAsync(socket, BlockOp.Get, id, ReadOnlyMemory<byte>.Empty, bound.Token))?.Status);
        Assert.Equal(BlockStatus.Ok, (await BlockWire.CallAsync(socket, BlockOp.Stats, string.Empty, ReadOnlyMemory<byte>.Empty, bound.Token))?.Status);
        await RoundTripAsync(cluster, "after");
    }

    [ToolFact("prlimit")]
    public async Task Serve_UnderALowOpenFilesLimit_KeepsItsConnectionsBelowItAndServes()
    {
        const int OpenFiles = 256;
        const int Flood = 300;
        using var directory = new TempDirectory("block-hostile-nofile");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, openFilesLimit: OpenFiles);
        var pid = cluster.PidOf(Attacked);
        var server = cluster.EndPointOf(Attacked);
        await Poll.UntilAsync(() => cluster.ErrorLinesOf(Attacked).Any(l => l.Contains("lowered because the process's connections may hold", StringComparison.Ordinal)), s_bound, "the server saying the process's descriptor budget lowered its caps");
        await RoundTripAsync(cluster, "before");
        var start = ProcessMemory.RssBytes(pid);

        var sockets = new ConcurrentBag<Socket>();
        var answers = new ConcurrentBag<BlockStatus?>();
        try
        {
            using var bound = new CancellationTokenSource(s_bound);
            var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
            {
                // Another peer, authenticated, holds as many connections as it can get; strangers hold more, idle.
                for (var i = 0; i < Flood; i++)
                {
                    var socket = await BlockWire.ConnectAsync(server, null, bound.Token);
                    sockets.Add(socket);
                    answers.Add(await BlockWire.HelloAsync(socket, StoreCluster.OtherToken, bound.Token));
                }

                await Task.WhenAll(Enumerable.Range(0, Flood).Select(async _ =>
                {
                    if (await BlockWire.TryConnectAsync(server, IPAddress.Parse("127.0.0.3"), bound.Token) is { } socket)
                    {
                        sockets.Add(socket);
                    }
                }));
                await Poll.UntilAsync(() => BlockWire.AcceptBacklog(server.Port) == 0, s_bound, "the server accepting every connection");
                await RoundTripAsync(cluster, "during");
            });

            var open = Directory.GetFiles($"/proc/{pid}/fd").Length;
            var served = answers.Count(a => a == BlockStatus.Ok);
            output.WriteLine($"RSS start {Mib(start)}, peak during {Mib(peak)}; {served} of {Flood} of the other peer's connections served, {open} descriptors open (limit {OpenFiles})");
            Assert.InRange(served, 1, Flood - 1);
            Assert.All(answers.Where(a => a != BlockStatus.Ok), a => Assert.True(a is BlockStatus.Failed or null, $"a connection over the cap was answered {a}"));

            // Its caps keep it under the limit: accept never ran out of descriptors.
            Assert.DoesNotContain(cluster.ErrorLinesOf(Attacked), l => l.Contains("Too many open files", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        Assert.False(cluster.HasExited(Attacked), "the block server exited");
        await RoundTripAsync(cluster, "after");
    }

    /// <summary>
    /// Connects from <paramref name="source"/>, sends a Put header claiming 8 MiB before any Hello, then the body, and
    /// returns the server's answer (null: closed or reset without one). The body is sent while the answer is awaited,
    /// because a server that reads the body first answers only after it.
    /// </summary>
    private static async Task<BlockStatus?> PutBeforeHelloAsync(IPEndPoint server, IPAddress source, CancellationToken cancellationToken)
    {
        using var socket = await BlockWire.TryConnectAsync(server, source, cancellationToken);
        if (socket is null)
        {
            return null;
        }

        var answer = BlockWire.ReadAnswerAsync(socket, cancellationToken);
        try
        {
            await socket.SendAsync(BlockWire.Request(BlockOp.Put, BlockWire.ObjectId(2), BlockProtocol.MaxPayload), cancellationToken);
            for (var sent = 0; sent < BlockProtocol.MaxPayload && !answer.IsCompleted; sent += s_chunk.Length)
            {
                await socket.SendAsync(s_chunk, cancellationToken);
            }
        }
        catch (SocketException)
        {
            // The server closed the connection: what a refusal from the header (or an eviction) does.
        }

        return (await answer)?.Status;
    }

    /// <summary>A legitimate fog puts a file over the three servers and gets it back byte for byte.</summary>
    private static async Task RoundTripAsync(StoreCluster cluster, string name)
    {
        using var bound = new CancellationTokenSource(s_bound);
        var data = RandomNumberGenerator.GetBytes(300_000);
        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = name }, null, bound.Token);
        var got = new MemoryStream();
        var result = await cluster.Store.GetAsync(name, got, null, bound.Token);
        Assert.Empty(result.Problems);
        Assert.True(data.AsSpan().SequenceEqual(got.ToArray()), $"'{name}' differs after a round trip");
    }

    /// <summary>The server's RSS once back within <see cref="AfterGrowthBound"/> of <paramref name="start"/>, or what it is after 30 s.</summary>
    private static async Task<long> RssAfterAsync(int pid, long start)
    {
        try
        {
            return await Poll.ForAsync(() => ProcessMemory.RssBytes(pid), rss => rss - start < AfterGrowthBound, TimeSpan.FromSeconds(30), "the server's RSS back near its start", Mib, TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException)
        {
            return ProcessMemory.RssBytes(pid);
        }
    }

    private static void AssertBackNearStart(long start, long after)
        => Assert.True(after - start < AfterGrowthBound, $"RSS {Mib(after)} after the attack, more than {Mib(AfterGrowthBound)} above its start ({Mib(start)})");

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
