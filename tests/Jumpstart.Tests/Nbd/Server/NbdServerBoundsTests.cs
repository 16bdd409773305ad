using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// The server's bounds on what a client can make it hold, in process (the real-process attacks are in
/// <see cref="NbdServerProcessHostileTests"/>): reply bytes per connection, stalled replies, clients per source
/// address, the shared descriptor budget, and the byte budget itself.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class NbdServerBoundsTests
{
    private const int Chunk = 4 * 1024 * 1024;

    private const string InMemory = "in-memory";

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReadsNeverTaken_HoldAtMostTheConnectionBudget_AndTheStallTimeoutClosesTheConnection()
    {
        var options = new NbdServerOptions
        {
            MaxBufferedBytesPerConnection = NbdLimits.MaxPayloadLength,
            ReplyStallTimeout = TimeSpan.FromSeconds(2),
        };
        await using var server = NbdTestServer.Start(options: options);

        // An export whose reads go through the server's memory (as a pseudo image's fetched data does): a file
        // export's large replies go out with sendfile and hold nothing here.
        using var file = FileExport.Open(server.ImagePath, readOnly: true);
        server.Exports.Add(InMemory, new ReadThroughMemoryExport(file));
        await using var attacker = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await attacker.HandshakeAsync(InMemory);
        for (var i = 0; i < 64; i++)
        {
            await attacker.SendRequestAsync(NbdCommand.Read, (ulong)i, 0, Chunk);
        }

        // Something is held (the replies the socket could not take) but never more than the budget.
        var held = await Poll.ForAsync(() => server.Tcp.BufferedBytes, bytes => bytes > 0, s_bound, "the server holding unread replies");
        Assert.InRange(held, 1, options.MaxBufferedBytesPerConnection);

        await Poll.UntilAsync(() => server.Tcp.ConnectionCount == 0, s_bound, "the stalled connection closed");
        Assert.Equal(0, server.Tcp.BufferedBytes);
        await using var honest = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await honest.HandshakeAsync(NbdTestServer.ExportName);
        Assert.Equal(4096, (await honest.ReadBlockAsync(TestImage.PatternStart, 4096)).Length);
    }

    [Fact]
    public async Task ConnectionsOverThePerSourceCap_AreClosed_WhileAnotherSourceIsServed()
    {
        await using var server = NbdTestServer.Start(options: new NbdServerOptions { MaxConnectionsPerSource = 2 });
        await using var first = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await using var second = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await first.ReadGreetingAsync();
        await second.ReadGreetingAsync();
        await using (var third = await RawNbdClient.ConnectTcpAsync(server.TcpPort))
        {
            Assert.True(await third.IsClosedByServerAsync());
        }

        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await other.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.TcpPort)).WaitAsync(s_bound);
        var greeting = new byte[NbdGreetingLayout.Length];
        await other.ReceiveAsync(greeting.AsMemory()).AsTask().WaitAsync(s_bound);
        Assert.Equal(NbdMagic.InitPassword, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(greeting));
    }

    [Fact]
    public async Task ARefusedWritesPayload_IsSkippedAndAnswered_AndTheConnectionGoesOn()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        await client.SendRequestAsync(NbdCommand.Write, 1, 0, (uint)NbdLimits.MaxPayloadLength, new byte[NbdLimits.MaxPayloadLength]);
        Assert.Equal(NbdError.Perm, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(0, server.Unix.BufferedBytes);
        Assert.Equal(4096, (await client.ReadBlockAsync(TestImage.PatternStart, 4096)).Length);
    }

    [Fact]
    public async Task AServersCap_IsLoweredToTheProcessesConnectionBudget()
    {
        await using var server = NbdTestServer.Start(options: new NbdServerOptions { MaxConnections = int.MaxValue });
        Assert.Equal(ConnectionBudget.Process.Capacity - ConnectionBudget.Process.AdministrativeReserve, server.Tcp.MaxConnections);
        Assert.True(ConnectionBudget.Process.Capacity <= DescriptorLimit.Soft() - ConnectionBudget.ReserveFor(DescriptorLimit.Soft()));
    }

    [Fact]
    public async Task TheTcpAndUnixServers_DrawOnOneDescriptorBudget_AndAClosedConnectionGivesItsDescriptorBack()
    {
        var budget = new ConnectionBudget(3);
        await using var server = NbdTestServer.Start(options: new NbdServerOptions { ConnectionBudget = budget });
        Assert.Equal(3, server.Unix.MaxConnections);
        var held = new List<RawNbdClient>
        {
            await RawNbdClient.ConnectTcpAsync(server.TcpPort),
            await RawNbdClient.ConnectTcpAsync(server.TcpPort),
            await RawNbdClient.ConnectUnixAsync(server.SocketPath),
        };
        try
        {
            foreach (var client in held)
            {
                await client.HandshakeAsync(NbdTestServer.ExportName);
            }

            Assert.Equal(3, budget.InUse);

            // Each server holds fewer than its cap of 3, yet the process's budget is spent: both refuse.
            await using (var refusedUnix = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
            {
                Assert.True(await refusedUnix.IsClosedByServerAsync());
            }

            await using (var refusedTcp = await RawNbdClient.ConnectTcpAsync(server.TcpPort))
            {
                Assert.True(await refusedTcp.IsClosedByServerAsync());
            }

            await held[0].DisposeAsync();
            held.RemoveAt(0);
            await Poll.UntilAsync(() => budget.InUse == 2, s_bound, "the closed connection's descriptor given back");
            var next = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
            held.Add(next);
            Assert.True(await next.HandshakeAsync(NbdTestServer.ExportName) > 0);
            Assert.Equal(3, budget.InUse);
        }
        finally
        {
            foreach (var client in held)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public void OptionsWithABudgetSmallerThanOneRequest_AreRefusedBeforeBinding()
        => Assert.Throws<ArgumentOutOfRangeException>(
            () => NbdServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), new NbdExportSet(), new NbdServerOptions { MaxBufferedBytesPerConnection = Chunk }));

    [Fact]
    public async Task TheByteBudget_ACancelledWaiterAtTheHead_TakesNothingAndDoesNotHoldUpTheNext()
    {
        var budget = new NbdByteBudget(10);
        budget.Acquire(8, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var first = Task.Run(() => budget.Acquire(5, cancel.Token));
        await Poll.UntilAsync(() => budget.Waiting == 1, s_bound, "the first waiter queued");

        // Only 2 bytes are free, but the 1-byte request queues behind the first: arrival order.
        var second = Task.Run(() => budget.Acquire(1, CancellationToken.None));
        await Poll.UntilAsync(() => budget.Waiting == 2, s_bound, "the second waiter queued");
        Assert.Equal(8, budget.Held);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(s_bound));
        await second.WaitAsync(s_bound);
        Assert.Equal(9, budget.Held);
        budget.Release(9);
        Assert.Equal(0, budget.Held);
        Assert.Equal(0, budget.Waiting);
    }

    /// <summary>A file whose bytes the server must read into its memory (no <see cref="INbdExport.FileFor"/>).</summary>
    private sealed class ReadThroughMemoryExport(INbdExport inner) : ForwardingExport(inner)
    {
        public override Microsoft.Win32.SafeHandles.SafeFileHandle? FileFor(long offset, long length) => null;
    }
}
