using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Vm.Bundles.Shipping;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// A TCP relay between a sender and a receiver on loopback that misbehaves towards the receiver: it flips a byte in
/// some chunk frames (the first time each is seen), or holds the bytes after a number until the test opens a gate,
/// then goes on or cuts both connections. Replies flow back untouched.
/// </summary>
internal sealed class ChunkRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    private readonly CancellationTokenSource _stop = new();

    private readonly Task _accepting;

    private readonly HashSet<int> _seen = [];

    private int _corrupted;

    public ChunkRelay(int targetPort)
    {
        TargetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int TargetPort { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Flip one byte of every chunk frame whose index is a multiple of this, the first time it passes (0: never).</summary>
    public int CorruptEvery { get; init; }

    /// <summary>When the gate opens, send half of the held frame and close both connections: a sender killed mid-chunk.</summary>
    public bool CutAtGate { get; init; }

    /// <summary>Hold the bytes after this many until <see cref="Gate"/> is opened (0: never).</summary>
    public long GateAfterBytes { get; init; }

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource GateReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Corrupted => Volatile.Read(ref _corrupted);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await target.ConnectAsync(IPAddress.Loopback, TargetPort, _stop.Token);
                await using var down = new NetworkStream(client);
                await using var up = new NetworkStream(target);
                var back = up.CopyToAsync(down, _stop.Token);
                await ForwardAsync(down, up);
                client.Shutdown(SocketShutdown.Both);
                target.Shutdown(SocketShutdown.Both);
                await back.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Frame by frame from the sender to the receiver (the chunk protocol's 5-byte header), so a flip lands in chunk data.</summary>
    private async Task ForwardAsync(Stream from, Stream to)
    {
        var header = new byte[ChunkChannel.HeaderBytes];
        long sent = 0;
        while (true)
        {
            if (await from.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, _stop.Token) < header.Length)
            {
                return;
            }

            var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
            await from.ReadExactlyAsync(payload, _stop.Token);
            if (header[0] == (byte)FrameType.Chunk && CorruptEvery > 0)
            {
                var index = BinaryPrimitives.ReadInt32BigEndian(payload);
                lock (_seen)
                {
                    if (index % CorruptEvery == 0 && _seen.Add(index))
                    {
                        payload[^1] ^= 0x5a;
                        Interlocked.Increment(ref _corrupted);
                    }
                }
            }

            byte[] frame = [.. header, .. payload];
            if (GateAfterBytes > 0 && sent + frame.Length >= GateAfterBytes && !Gate.Task.IsCompleted)
            {
                GateReached.TrySetResult();
                await Gate.Task.WaitAsync(_stop.Token);
                if (CutAtGate)
                {
                    await to.WriteAsync(frame.AsMemory(0, frame.Length / 2), _stop.Token);
                    return;
                }
            }

            await to.WriteAsync(frame, _stop.Token);
            sent += frame.Length;
        }
    }
}
