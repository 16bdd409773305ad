using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>
/// Peers that break the rules on purpose, over real loopback TCP: each is cut off within a bound, memory stays
/// bounded, and a well-behaved client on the same server is served meanwhile.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
[Collection(MemoryMeasuredCollection.Name)]
public sealed class HostileClientTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    private static readonly JsonRpcOptions s_tight = new()
    {
        MaxHeaderBytes = 1024,
        MaxMessageBytes = 64 * 1024,
        FrameTimeout = TimeSpan.FromMilliseconds(500),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    private static JsonRpcServer Serve(JsonRpcOptions? options = null, SampleTarget? target = null)
        => JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), c => c.AddLocalRpcTarget(target ?? new SampleTarget()), options ?? s_tight);

    private static async Task<Socket> RawConnectAsync(JsonRpcServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);
        return socket;
    }

    /// <summary>True once the server closed the connection (reads return 0 or reset), within the bound.</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(s_bound);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return true;
    }

    private static async Task AssertServedAsync(JsonRpcServer server)
    {
        await using var client = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);
        Assert.Equal(5, await client.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_bound));
    }

    [Fact]
    public async Task OversizedHeader_IsCutOff_AndOthersAreServed()
    {
        await using var server = Serve();
        using var hostile = await RawConnectAsync(server);

        await hostile.SendAsync(Encoding.ASCII.GetBytes("X-Junk: " + new string('z', 4 * s_tight.MaxHeaderBytes)));

        Assert.True(await ClosedByServerAsync(hostile));
        await AssertServedAsync(server);
    }

    [Fact]
    public async Task OversizedContentLength_IsCutOff_WithoutAllocatingTheClaim()
    {
        await using var server = Serve();
        using var hostile = await RawConnectAsync(server);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await hostile.SendAsync(Encoding.ASCII.GetBytes("Content-Length: 2000000000\r\n\r\n{\"jsonrpc\":\"2.0\""));

        Assert.True(await ClosedByServerAsync(hostile));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 32L * 1024 * 1024, $"{allocated} bytes allocated for a claimed 2 GB body");
        await AssertServedAsync(server);
    }

    [Fact]
    public async Task HeaderThatNeverEnds_SentSlowly_IsCutOffByTheFrameTimeout()
    {
        await using var server = Serve();
        using var hostile = await RawConnectAsync(server);
        await hostile.SendAsync(Encoding.ASCII.GetBytes("Content-Length: 10\r\n"));
        var closed = ClosedByServerAsync(hostile);

        // One header byte at a time, far below the header limit: only the frame timeout can end this.
        var sent = 0;
        while (!closed.IsCompleted && sent < 400)
        {
            try
            {
                await hostile.SendAsync("X"u8.ToArray());
            }
            catch (SocketException)
            {
                break;
            }

            sent++;
            await Task.WhenAny(closed, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        Assert.True(await closed.WaitAsync(s_bound));
        Assert.True(sent < 400, "the slow header was never cut off");
        await AssertServedAsync(server);
    }

    [Fact]
    public async Task SlowBody_IsCutOffByTheFrameTimeout_WhileAFastClientIsServed()
    {
        await using var server = Serve();
        using var hostile = await RawConnectAsync(server);
        await hostile.SendAsync(Encoding.ASCII.GetBytes("Content-Length: 1000\r\n\r\n{"));
        var closed = ClosedByServerAsync(hostile);

        await AssertServedAsync(server);

        Assert.True(await closed.WaitAsync(s_bound));
    }

    [Fact]
    public async Task IdleConnection_IsClosed_ButALongCallInProgressIsNot()
    {
        var target = new SampleTarget();
        await using var server = Serve(s_tight with { IdleTimeout = TimeSpan.FromMilliseconds(300) }, target);
        using var idle = await RawConnectAsync(server);
        await using var busy = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);

        var slow = busy.InvokeAsync<string>("Slow");
        await target.Started.Task.WaitAsync(s_bound);
        Assert.True(await ClosedByServerAsync(idle));
        target.Gate.SetResult();

        Assert.Equal("slow done", await slow.WaitAsync(s_bound));
    }

    [Fact]
    public async Task ConnectionsOverTheCap_AreClosedAtAccept_AndASlotFreesWhenOneLeaves()
    {
        await using var server = Serve(s_tight with { MaxConnections = 2 });
        var first = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);
        await using var second = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);
        Assert.Equal(3, await first.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_bound));
        Assert.Equal(3, await second.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_bound));

        using var third = await RawConnectAsync(server);
        Assert.True(await ClosedByServerAsync(third));
        Assert.Equal(1, server.RefusedCount);

        await first.DisposeAsync();
        await WaitForAsync(() => server.ConnectionCount == 1);
        await AssertServedAsync(server);
    }

    [Fact]
    public async Task TenThousandConnectionsOpenedAndDropped_LeaveNothingBehind_AndOthersAreServed()
    {
        const int Connections = 10_000;
        const int AtOnce = 64;
        await using var server = Serve(s_tight with { MaxConnections = 4096 });
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= Connections)
            {
                using var socket = await RawConnectAsync(server);
                if (next % 2 == 0)
                {
                    // Half of them leave a frame unfinished, so the server holds a partial buffer when they drop.
                    await socket.SendAsync("Content-Length: 50\r\n\r\n{\"jsonrpc\""u8.ToArray());
                }
            }
        })).WaitAsync(TimeSpan.FromMinutes(3));

        // The server reaps a dropped connection when it reads its end; under load that lags the flood, and while 4,096
        // dropped ones are still held a new connection is closed at accept (the cap doing its job). So: all reaped, then served.
        await WaitForAsync(() => server.ConnectionCount == 0);
        await AssertServedAsync(server);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(heapAfter - heapBefore < 32L * 1024 * 1024, $"heap grew by {heapAfter - heapBefore} bytes over {Connections} dropped connections");
    }

    /// <summary>A request for Add(2, 3) padded with spaces to exactly <paramref name="bodyBytes"/>, behind its header.</summary>
    private static (byte[] Header, byte[] Body) PaddedAdd(int bodyBytes)
    {
        var json = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Add\",\"params\":[2,3]}";
        return (Encoding.ASCII.GetBytes($"Content-Length: {bodyBytes}\r\n\r\n"), Encoding.ASCII.GetBytes(json.PadRight(bodyBytes)));
    }

    /// <summary>Reads one framed answer from a raw socket.</summary>
    private static async Task<string> ReadAnswerAsync(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(s_bound);
        while (true)
        {
            var text = Encoding.ASCII.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && received.Count - end - 4 >= int.Parse(text["Content-Length: ".Length..text.IndexOf('\r', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture))
            {
                return text[(end + 4)..];
            }

            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(count > 0, "the server closed the connection instead of answering");
            received.AddRange(buffer.AsSpan(0, count).ToArray());
        }
    }

    [Fact]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    public async Task LargeBodies_ShareTheListenersBudget_AndOneThatDoesNotFitIsRefusedFromItsHeader()
    {
        const int Large = 40_000;
        await using var server = Serve(s_tight with
        {
            MaxMessageBytes = 1024,
            MaxLargeMessageBytes = 64 * 1024,
            LargeMessageBudgetBytes = 64 * 1024,
            FrameTimeout = TimeSpan.FromSeconds(30),
        });
        var (header, body) = PaddedAdd(Large);

        // The first large body takes most of the budget while it arrives.
        using var first = await RawConnectAsync(server);
        byte[] firstHalf = [.. header, .. body[..(Large / 2)]];
        await first.SendAsync(firstHalf);
        await WaitForAsync(() => server.LargeMessageBytesBuffered == Large);

        // A second one does not fit: refused from its header, while small calls are served.
        using var second = await RawConnectAsync(server);
        await second.SendAsync(header);
        Assert.True(await ClosedByServerAsync(second));
        await AssertServedAsync(server);

        // The first completes and is answered; its bytes go back to the budget, and the next large body fits.
        await first.SendAsync(body[(Large / 2)..]);
        Assert.Contains("\"result\":5", await ReadAnswerAsync(first), StringComparison.Ordinal);
        await WaitForAsync(() => server.LargeMessageBytesBuffered == 0);
        using var third = await RawConnectAsync(server);
        byte[] whole = [.. header, .. body];
        await third.SendAsync(whole);
        Assert.Contains("\"result\":5", await ReadAnswerAsync(third), StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    public async Task SpentDescriptorBudget_ClosesNewConnectionsAtAccept_OnEveryListenerSharingIt()
    {
        var budget = new ConnectionBudget(2);
        var options = s_tight with { ConnectionBudget = budget, IdleTimeout = TimeSpan.FromSeconds(30) };
        await using var a = Serve(options);
        await using var b = Serve(options);
        var onA = await JsonRpcClient.ConnectAsync(a.LocalEndPoint).WaitAsync(s_bound);
        await using var onB = await JsonRpcClient.ConnectAsync(b.LocalEndPoint).WaitAsync(s_bound);
        Assert.Equal(3, await onA.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_bound));
        Assert.Equal(3, await onB.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_bound));

        using var third = await RawConnectAsync(b);
        Assert.True(await ClosedByServerAsync(third));
        Assert.Equal(1, b.RefusedCount);
        Assert.Equal(2, budget.InUse);

        await onA.DisposeAsync();
        await WaitForAsync(() => budget.InUse == 1);
        await AssertServedAsync(b);
    }

    [Fact]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    public async Task SilentConnection_IsClosedByTheFirstFrameTimeout_ButAServedIdleOneIsNot()
    {
        await using var server = Serve(s_tight with { FirstFrameTimeout = TimeSpan.FromMilliseconds(300), IdleTimeout = TimeSpan.FromSeconds(30) });
        await using var served = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_bound);
        Assert.Equal(5, await served.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_bound));

        using var silent = await RawConnectAsync(server);
        Assert.True(await ClosedByServerAsync(silent));

        Assert.Equal(5, await served.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_bound));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(s_bound);
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }
}
