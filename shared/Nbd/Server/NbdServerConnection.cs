using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Extensions.Logging;

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
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly BufferedStream _input;
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

    public NbdServerConnection(long id, Socket socket, NbdExportSet exports, NbdServerOptions options, NbdByteBudget serverBuffered, ILogger logger)
    {
        _id = id;
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: true);

        // Only the reader uses the buffered stream; replies go straight to the socket so a reply never waits on the reader.
        _input = new BufferedStream(_network, ReadBufferSize);
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
            await _input.DisposeAsync();
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
        => await _input.ReadExactlyAsync(buffer, cancellationToken);

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

    /// <summary>Writes one whole message; the lock keeps messages of concurrent requests from interleaving.</summary>
    private async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
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
}
