using System.Net.Sockets;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// The receive side of one connection: one buffer filled by as few <c>recv</c> calls as the client's pipelining allows
/// (a client with 32 requests in flight sends them in one segment, and one call reads them all). The handshake reads
/// it asynchronously; the transmission phase's reader thread reads it synchronously and, when it runs dry, waits in
/// <c>poll(2)</c> on the socket itself.
/// </summary>
/// <remarks>
/// Why not a blocking <see cref="Socket.Receive(Span{byte})"/>: once a socket has served an asynchronous operation (the
/// handshake), .NET makes its descriptor non-blocking and emulates blocking calls: the thread waits on a condition that
/// the socket engine's epoll thread signals through the thread pool. Profiled at 4 KiB QD1 that hop took two thread
/// switches per request and left the pool's workers spinning in sched_yield (63% of the server's CPU samples). With the
/// socket in non-blocking mode (<see cref="Socket.Blocking"/> false) a receive returns WOULDBLOCK at once and
/// <see cref="Socket.Poll(int, SelectMode)"/> is a plain poll(2): the kernel wakes the reader itself.
/// </remarks>
internal sealed class NbdReceiveBuffer(Socket socket, int capacity)
{
    /// <summary>The socket received from (the connection moves to another descriptor after the handshake).</summary>
    public Socket Socket { get; set; } = socket;

    private readonly byte[] _buffer = new byte[capacity];
    private int _start;
    private int _end;

    /// <summary>Bytes received and not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>Fills <paramref name="destination"/> (handshake: asynchronous receives).</summary>
    /// <exception cref="EndOfStreamException">The peer closed the connection first.</exception>
    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            if (Buffered == 0)
            {
                Compact();
                var n = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
                _end += n > 0 ? n : throw new EndOfStreamException();
                continue;
            }

            destination = destination[Take(destination.Span)..];
        }
    }

    /// <summary>Fills <paramref name="destination"/> on the reader thread; calls <paramref name="beforeWaiting"/> each time
    /// the buffer runs dry, before it receives again (where a caller sends the replies it gathered).</summary>
    /// <exception cref="EndOfStreamException">The peer closed the connection (or the socket was shut down) first.</exception>
    public void ReadExactly(Span<byte> destination, Action? beforeWaiting)
    {
        while (!destination.IsEmpty)
        {
            if (Buffered == 0)
            {
                Fill(beforeWaiting);
                continue;
            }

            destination = destination[Take(destination)..];
        }
    }

    private int Take(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, Buffered);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    private void Compact()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>One receive into the (empty) buffer, waiting in poll(2) while nothing is there. The caller's replies go
    /// first: a pipelining client has usually sent all it can before it reads them, so its next requests are more
    /// often already there after the send (a receive, no WOULDBLOCK and no poll: two system calls per batch).</summary>
    private void Fill(Action? beforeWaiting)
    {
        Compact();
        beforeWaiting?.Invoke();
        while (true)
        {
            var n = Socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                _end += n > 0 ? n : throw new EndOfStreamException();
                return;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            Socket.Poll(-1, SelectMode.SelectRead);
        }
    }
}
