using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Sockets;

/// <summary>The accept loop every listener shares (NBD, block server, JSON-RPC), with failures injected into its accept.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class SocketAcceptLoopTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_AfterTransientAcceptFailures_ReportsEachAndKeepsAccepting()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var injected = new Queue<SocketError>([SocketError.ConnectionAborted, SocketError.TooManyOpenSockets]);
        var failures = new List<SocketError>();
        var accepted = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var loop = SocketAcceptLoop.RunAsync(
            cancellationToken => injected.TryDequeue(out var error) ? ValueTask.FromException<Socket>(new SocketException((int)error)) : listener.AcceptAsync(cancellationToken),
            socket => accepted.TrySetResult(socket),
            ex => failures.Add(ex.SocketErrorCode),
            stop.Token);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(s_bound);
        using var server = await accepted.Task.WaitAsync(s_bound);

        Assert.Equal([SocketError.ConnectionAborted, SocketError.TooManyOpenSockets], failures);
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
        Assert.False(loop.IsCompleted);
        await stop.CancelAsync();
        await loop.WaitAsync(s_bound);
    }

    [Fact]
    public async Task RunAsync_ListenerDisposedAfterStop_EndsQuietly()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var loop = SocketAcceptLoop.RunAsync(listener, socket => socket.Dispose(), _ => Interlocked.Increment(ref failures), stop.Token);

        await stop.CancelAsync();
        listener.Dispose();

        await loop.WaitAsync(s_bound);
        Assert.Equal(0, failures);
    }
}
