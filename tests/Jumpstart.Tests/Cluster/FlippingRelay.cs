using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// A man in the middle on the cluster's network: listens in its own namespace at a host's advertised address and
/// forwards every connection to the host (connecting from inside the host's namespace), flipping one byte of the stream towards the host once, after
/// <see cref="FlipAfterBytes"/> bytes of the first connection that gets that far. Replies flow back untouched.
/// </summary>
internal sealed class FlippingRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _targetNamespace;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _flipped;
    private int _connections;

    public FlippingRelay(string ns, IPEndPoint listen, string targetNamespace, IPEndPoint target, long flipAfterBytes)
    {
        _targetNamespace = targetNamespace;
        _target = target;
        FlipAfterBytes = flipAfterBytes;
        _listener = NamespaceSockets.In(ns, () =>
        {
            var socket = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(listen);
            socket.Listen(16);
            return socket;
        });
        _accepting = AcceptAsync();
    }

    public long FlipAfterBytes { get; }

    /// <summary>Connections relayed so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How many bytes were flipped (0 or 1).</summary>
    public int Flipped => Volatile.Read(ref _flipped);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                connections.Add(RelayAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task RelayAsync(Socket client)
    {
        using (client)
        using (var server = NamespaceSockets.Connect(_targetNamespace, _target, 1)[0])
        {
            var toHost = PumpAsync(client, server, flips: true);
            var toClient = PumpAsync(server, client, flips: false);
            await Task.WhenAny(toHost, toClient);
            client.Close();
            server.Close();
            await Task.WhenAll(toHost, toClient).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool flips)
    {
        var buffer = new byte[64 * 1024];
        long seen = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (flips && seen + read > FlipAfterBytes && seen <= FlipAfterBytes && Interlocked.CompareExchange(ref _flipped, 1, 0) == 0)
                {
                    buffer[(int)(FlipAfterBytes - seen)] ^= 0x5a;
                }

                seen += read;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
