using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mono.Unix.Native;

namespace Jumpstart.Bench.Nbd;

/// <summary>
/// A TCP relay that holds every chunk coming back from the upstream for a fixed delay before passing
/// it on: the "1 ms of upstream latency" of the benchmark. The kernel here has no <c>sch_netem</c>,
/// so this plays the part of <c>tc qdisc add dev X root netem delay 1ms</c> on the upstream's
/// interface (egress only: the round trip grows by the delay once). Chunks are delayed, not the
/// stream, so throughput is not capped: many chunks are in the air at once, as on a real link.
/// </summary>
internal sealed class DelayProxy : IAsyncDisposable
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunksInFlight = 4096;

    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;

    public DelayProxy(IPEndPoint upstream, TimeSpan delay)
    {
        _upstream = upstream;
        _delay = delay;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _acceptLoop = AcceptAsync(_stopping.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(cancellationToken);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            try
            {
                await server.ConnectAsync(_upstream, cancellationToken);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            _ = PumpAsync(client, server, cancellationToken);
            StartDelayedPump(server, client, cancellationToken);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side went away.
        }

        Shutdown(to);
    }

    // A reader task stamps each chunk; a dedicated thread sends it when its time has come.
    private void StartDelayedPump(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var queue = new BlockingCollection<(byte[] Buffer, int Length, long Due)>(MaxChunksInFlight);
        var delayTicks = (long)(_delay.TotalSeconds * Stopwatch.Frequency);
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    var n = await from.ReceiveAsync(buffer.AsMemory(0, ChunkSize), SocketFlags.None, cancellationToken);
                    if (n == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        break;
                    }

                    queue.Add((buffer, n, Stopwatch.GetTimestamp() + delayTicks), cancellationToken);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // One side went away.
            }

            queue.CompleteAdding();
        }, cancellationToken);

        var sender = new Thread(() =>
        {
            try
            {
                foreach (var (buffer, length, due) in queue.GetConsumingEnumerable())
                {
                    SleepUntil(due);

                    to.Send(buffer.AsSpan(0, length));
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // One side went away.
            }

            Shutdown(to);
            queue.Dispose();
        })
        { IsBackground = true, Name = "delay-proxy" };
        sender.Start();
    }

    // nanosleep(2) directly: Thread.Sleep and timers round to whole milliseconds, which turned a 1 ms delay into 0.
    private static void SleepUntil(long due)
    {
        while (true)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            var request = new Timespec { tv_sec = 0, tv_nsec = Math.Min(999_999_999, (long)(wait.TotalMilliseconds * 1e6)) };
            var remaining = default(Timespec);
            _ = Syscall.nanosleep(ref request, ref remaining);
        }
    }

    private static void Shutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
