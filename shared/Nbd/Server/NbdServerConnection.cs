using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Extensions.Logging;
using Mono.Unix.Native;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// One client of an <see cref="NbdServer"/>: the handshake (<c>.Handshake.cs</c>), option haggling
/// (<c>.Options.cs</c>) and the transmission phase (<c>.Transmission.cs</c>, replies in <c>.Replies.cs</c>).
/// </summary>
/// <remarks>
/// One reader task parses requests in order; each request then runs on its own task (bounded by
/// <see cref="NbdServerOptions.MaxInFlightRequests"/>), and every reply is written whole under one lock, so replies
/// may be reordered but never interleave (proto.md "Transmission").
/// </remarks>
internal sealed partial class NbdServerConnection
{
    private const int ReadBufferSize = 64 * 1024;

    /// <summary>Replies are written in slices of this size, each one counting as progress for the stall watch.</summary>
    private const int WriteSlice = 1024 * 1024;

    private readonly long _id;
    private Socket _socket;
    private NetworkStream _network;
    private readonly NbdReceiveBuffer _receive;
    private readonly NbdExportSet _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _inFlight;
    private readonly NbdByteBudget _buffered;
    private readonly NbdByteBudget _serverBuffered;
    private readonly byte[] _header = new byte[NbdRequestLayout.Length];
    private CancellationTokenSource? _lifetime;
    private Task _completion = Task.CompletedTask;

    /// <summary>When the slice being written started (a Stopwatch timestamp), 0 while nothing is being written.</summary>
    private long _writingSince;

    /// <summary>Set once the handshake is over and the socket is in non-blocking mode.</summary>
    private bool _transmitting;

    public NbdServerConnection(long id, Socket socket, NbdExportSet exports, NbdServerOptions options, NbdByteBudget serverBuffered, ILogger logger)
    {
        _id = id;
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: true);

        // Only the reader uses the receive buffer; replies go straight to the socket so a reply never waits on the reader.
        _receive = new NbdReceiveBuffer(socket, ReadBufferSize);
        _flushReplies = FlushReplies;
        _exports = exports;
        _options = options;
        _logger = logger;
        _inFlight = new SemaphoreSlim(options.MaxInFlightRequests, options.MaxInFlightRequests);
        _buffered = new NbdByteBudget(options.MaxBufferedBytesPerConnection);
        _serverBuffered = serverBuffered;
    }

    /// <summary>Completes when the connection is closed and every request it started has finished.</summary>
    public Task Completion => _completion;

    /// <summary>Starts serving; <paramref name="serverStopping"/> closes the connection when the server stops.</summary>
    public void Start(CancellationToken serverStopping)
    {
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        _completion = Task.Run(() => RunAsync(_lifetime.Token), CancellationToken.None);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        NbdExportSet.Entry? served = null;
        try
        {
            var session = await NegotiateAsync(cancellationToken);
            if (session is null)
            {
                return;
            }

            served = session.Entry;
            served.Counters.ConnectionOpened();
            NbdLog.TransmissionStarted(_logger, _id, served.Name, session.Structured, session.BaseAllocation);
            await TransmitAsync(session, cancellationToken);
        }
        catch (NbdProtocolException ex)
        {
            NbdLog.ProtocolViolation(_logger, _id, ex.Message);
        }
        catch (EndOfStreamException)
        {
            NbdLog.PeerClosed(_logger, _id);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Server stopping, handshake timeout, or a failed reply write cancelled the connection.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Reset, broken pipe, or closed mid-message: the peer went away; nothing to answer.
            NbdLog.PeerClosed(_logger, _id);
        }
        catch (Exception ex)
        {
            NbdLog.ConnectionFailed(_logger, _id, ex);
        }
        finally
        {
            // Cancel what is still running, wait for it (its pooled buffers come back), then close the socket.
            await _lifetime!.CancelAsync();
            await DrainAsync();
            served?.Counters.ConnectionClosed();
            await _network.DisposeAsync();
            _socket.Dispose();
            _lifetime.Dispose();
        }
    }

    /// <summary>Waits until no request of this connection is in flight, by taking every slot and giving them back.</summary>
    private async Task DrainAsync()
    {
        for (var i = 0; i < _options.MaxInFlightRequests; i++)
        {
            await _inFlight.WaitAsync(CancellationToken.None);
        }

        _inFlight.Release(_options.MaxInFlightRequests);
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        => await _receive.ReadExactlyAsync(buffer, cancellationToken);

    /// <summary>Closes the connection when the slice being written has made no progress for <paramref name="timeout"/>:
    /// the client is not reading its replies, and what they hold must be freed (called by the server's watch).</summary>
    public void CloseIfReplyStalled(TimeSpan timeout)
    {
        var since = Volatile.Read(ref _writingSince);
        if (since == 0 || Stopwatch.GetElapsedTime(since) < timeout)
        {
            return;
        }

        NbdLog.ReplyStalled(_logger, _id, timeout.TotalSeconds);
        try
        {
            _lifetime?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile.
        }
    }

    /// <summary>Writes one whole message; the lock keeps messages of concurrent requests from interleaving. In the
    /// transmission phase it first sends without waiting, so the socket meets the socket engine (and epoll) only when
    /// the client does not keep up.</summary>
    private async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
            if (_transmitting)
            {
                message = message[SendWithoutWaiting(message.Span)..];
            }

            while (!message.IsEmpty)
            {
                var slice = message[..Math.Min(message.Length, WriteSlice)];
                Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
                await _network.WriteAsync(slice, cancellationToken);
                message = message[slice.Length..];
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // A reply may be half written: nothing more can be sent on this socket, so close the whole connection.
            await _lifetime!.CancelAsync();
            throw;
        }
        finally
        {
            Volatile.Write(ref _writingSince, 0);
            _writeLock.Release();
        }
    }

    /// <summary>Sends what the socket takes now (it is in non-blocking mode); the number of bytes sent.</summary>
    private int SendWithoutWaiting(ReadOnlySpan<byte> data)
    {
        var sent = 0;
        while (sent < data.Length)
        {
            var n = _socket.Send(data[sent..], SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                break;
            }

            sent += error == SocketError.Success ? n : throw new SocketException((int)error);
            Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
        }

        return sent;
    }

    /// <summary>
    /// Moves the connection to a descriptor the socket engine has never seen, before the transmission phase. The
    /// asynchronous handshake registered the socket with .NET's epoll thread, and from then on every segment the client
    /// sends wakes that thread and a thread-pool worker (which then spins looking for work): 42% of the server's CPU
    /// samples at 4 KiB QD32, on a two-core machine where the client needs the other core. Disposing the old socket
    /// unregisters it (EPOLL_CTL_DEL) and closes its descriptor (close(2) of one of two descriptors leaves the
    /// connection open); the connection lives on in the duplicate (dup(2) shares
    /// the open socket). When dup fails (no descriptor left) the connection stays where it is: slower, still correct.
    /// </summary>
    private void LeaveSocketEngine()
    {
        var fd = Syscall.dup((int)_socket.Handle);
        if (fd < 0)
        {
            return;
        }

        Socket moved;
        NetworkStream movedStream;
        try
        {
            moved = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { Blocking = true };
            movedStream = new NetworkStream(moved, ownsSocket: true);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            _ = Syscall.close(fd);
            return;
        }

        // The old socket is closed without its stream: NetworkStream.Dispose shuts the connection down (both ways).
        var old = _socket;
        _socket = moved;
        _network = movedStream;
        _receive.Socket = moved;
        old.Dispose();
    }
}
