using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Sockets;

/// <summary>The accept loop every listener shares (NBD, block server, JSON-RPC), with failures injected into its accept.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class SocketAcceptLoopTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public SocketAcceptLoopTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Runs the loop with <paramref name="injected"/> failures before the real accepts; returns the first accepted socket.</summary>
    private async Task<(Socket Server, List<(SocketError Error, long HeldBack)> Reports)> AcceptAfterAsync(IEnumerable<SocketError> injected)
    {
        var failures = new Queue<SocketError>(injected);
        var reports = new List<(SocketError, long)>();
        var accepted = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var loop = SocketAcceptLoop.RunAsync(
            cancellationToken => failures.TryDequeue(out var error) ? ValueTask.FromException<Socket>(new SocketException((int)error)) : _listener.AcceptAsync(cancellationToken),
            socket => accepted.TrySetResult(socket),
            (ex, heldBack) => reports.Add((ex.SocketErrorCode, heldBack)),
            stop.Token);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_listener.LocalEndPoint!).WaitAsync(s_bound);
        var server = await accepted.Task.WaitAsync(s_bound);
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
        Assert.False(loop.IsCompleted);
        await stop.CancelAsync();
        await loop.WaitAsync(s_bound);
        return (server, reports);
    }

    [Fact]
    public async Task RunAsync_AfterFailedAccepts_ReportsTheFirstAtOnce_HoldsBackTheOthers_AndKeepsAccepting()
    {
        var (server, reports) = await AcceptAfterAsync([SocketError.ConnectionAborted, SocketError.TooManyOpenSockets, SocketError.TooManyOpenSockets]);
        using (server)
        {
            Assert.Equal([(SocketError.ConnectionAborted, 0L)], reports);
        }
    }

    [Fact]
    public async Task RunAsync_AfterErrorsOfSingleConnections_AcceptsTheNextWithoutPausing()
    {
        // 10,000 peers that reset before they were accepted: with a pause after each (50 ms at least) this would take
        // minutes; such an error concerns one connection, and the next is accepted at once.
        var (server, _) = await AcceptAfterAsync(Enumerable.Repeat(SocketError.ConnectionAborted, 10_000));
        server.Dispose();
    }

    [Fact]
    public async Task RunAsync_WhenDescriptorsRunOut_PausesLongerAfterEachFailure()
    {
        var clock = Stopwatch.StartNew();
        var (server, _) = await AcceptAfterAsync(Enumerable.Repeat(SocketError.TooManyOpenSockets, 3));
        server.Dispose();

        // 50 + 100 + 200 ms of pauses at least: the loop did not spin while accept kept failing.
        var least = SocketAcceptLoop.FirstBackoff * (1 + 2 + 4);
        Assert.True(clock.Elapsed >= least, $"accepted after {clock.Elapsed.TotalMilliseconds} ms, less than the {least.TotalMilliseconds} ms of back-off");
    }

    [Fact]
    public async Task RunAsync_ListenerDisposedAfterStop_EndsQuietly()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var loop = SocketAcceptLoop.RunAsync(listener, socket => socket.Dispose(), (_, _) => Interlocked.Increment(ref failures), stop.Token);

        await stop.CancelAsync();
        listener.Dispose();

        await loop.WaitAsync(s_bound);
        Assert.Equal(0, failures);
    }
}
