using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <remarks>proto.md "Transmission", "Request message", "Request types", "Error values", "Block size constraints".</remarks>
internal sealed partial class NbdServerConnection
{
    // The reader only parses headers and starts requests: a small stack keeps thousands of connections cheap.
    private const int ReaderStackSize = 256 * 1024;

    private const int DiscardChunk = 16 * 1024;

    /// <summary>Reads requests until DISC, end of stream or cancellation; then waits for the requests in flight.</summary>
    /// <remarks>
    /// The reader is a dedicated thread: it receives with the socket in non-blocking mode and waits in poll(2), so the
    /// kernel wakes it directly when a request arrives (see <see cref="NbdReceiveBuffer"/>). Reads the export can serve
    /// at once (<see cref="INbdExport.TryRead"/>: a page-cached file, a pseudo image's present extents) are answered on
    /// this thread: small ones are gathered in one buffer and sent with one system call when no further request is
    /// waiting in the receive buffer, so a client with 32 reads in flight gets their 32 replies in one send. Everything
    /// else (a pseudo image's fetch, writes, block status) runs as its own task and replies when it is done, out of
    /// order (proto.md "Transmission": replies need not be in request order).
    /// </remarks>
    private async Task TransmitAsync(Session session, CancellationToken cancellationToken)
    {
        var reader = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(
            () =>
            {
                try
                {
                    ReadRequests(session, cancellationToken);
                    reader.TrySetResult();
                }
                catch (Exception ex)
                {
                    reader.TrySetException(ex);
                }
            },
            ReaderStackSize)
        {
            IsBackground = true,
            Name = $"nbd-connection-{_id}",
        };

        // A receive or send waiting in poll(2) does not see the token: shutting the socket down wakes it.
        LeaveSocketEngine();
        _socket.Blocking = false;
        _transmitting = true;
        _cancellation = cancellationToken;
        await using (cancellationToken.UnsafeRegister(static state => ShutdownQuietly((Socket)state!), _socket))
        {
            thread.Start();
            await reader.Task;
        }

        // "The server MUST ... complete any outstanding requests ... then close the connection" (NBD_CMD_DISC).
        NbdLog.Disconnected(_logger, _id);
        await DrainAsync();
    }

    /// <summary>The reader thread's loop; returns on DISC, throws on end of stream, cancellation or a protocol violation.</summary>
    private void ReadRequests(Session session, CancellationToken cancellationToken)
    {
        try
        {
            ReadRequestsUntilDisconnect(session, cancellationToken);
            FlushReplies();
        }
        finally
        {
            ReturnBatch();
        }
    }

    private void ReadRequestsUntilDisconnect(Session session, CancellationToken cancellationToken)
    {
        while (true)
        {
            _receive.ReadExactly(_header, _flushReplies);
            cancellationToken.ThrowIfCancellationRequested();
            var received = Stopwatch.GetTimestamp();
            var request = ParseRequest(_header);
            if (request.Command == NbdCommand.Disconnect)
            {
                return;
            }

            if (request.Command == NbdCommand.Write && request.Length > NbdLimits.MaxPayloadLength)
            {
                // The payload would have to be read to stay in sync; proto.md lets a server drop a client
                // that exceeds the maximum payload instead of buffering it.
                throw new NbdProtocolException($"WRITE of {request.Length} bytes exceeds the {NbdLimits.MaxPayloadLength}-byte maximum");
            }

            var refused = Validate(session, request) is not null;
            if (request.Command == NbdCommand.Read && !refused && request.Length > 0 && TryReadNow(session, request, received, cancellationToken))
            {
                continue;
            }

            if (request.Command == NbdCommand.Write && refused)
            {
                // A refused write's payload is skipped in small pieces, never buffered; ExecuteAsync answers the error.
                Discard(request.Length);
            }

            // The data this request will hold (a READ's reply, a WRITE's payload) is reserved before it is allocated:
            // past either budget the reader waits here, so the server stops reading this client's requests. The
            // gathered replies go first, so that this connection holds nothing else while it waits.
            var reserved = refused || request.Command is not (NbdCommand.Read or NbdCommand.Write) ? 0 : request.Length;
            if (reserved > 0)
            {
                FlushReplies();
            }

            Reserve(reserved, cancellationToken);
            byte[]? payload = null;
            try
            {
                if (request.Command == NbdCommand.Write && !refused)
                {
                    payload = NbdBuffers.Rent((int)request.Length);
                    _receive.ReadExactly(payload.AsSpan(0, (int)request.Length), _flushReplies);
                }

                // Blocks the reader while MaxInFlightRequests are running: back-pressure onto the client's socket.
                if (_inFlight.CurrentCount == 0)
                {
                    FlushReplies();
                }

                _inFlight.Wait(cancellationToken);
            }
            catch
            {
                NbdBuffers.Return(payload);
                Unreserve(reserved);
                throw;
            }

            // Started inline: one that really waits (an upstream fetch) yields at its first await and the reader goes on
            // with the next request.
            _ = ExecuteAsync(session, request, payload, reserved, received, cancellationToken);
        }
    }

    /// <summary>Takes <paramref name="bytes"/> from this connection's budget, then from the server's.</summary>
    private void Reserve(long bytes, CancellationToken cancellationToken)
    {
        _buffered.Acquire(bytes, cancellationToken);
        try
        {
            _serverBuffered.Acquire(bytes, cancellationToken);
        }
        catch
        {
            _buffered.Release(bytes);
            throw;
        }
    }

    private void Unreserve(long bytes)
    {
        _serverBuffered.Release(bytes);
        _buffered.Release(bytes);
    }

    /// <summary>Reads and throws away a refused write's payload, 16 KiB at a time.</summary>
    private void Discard(uint length)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(DiscardChunk);
        try
        {
            while (length > 0)
            {
                var n = (int)Math.Min(length, DiscardChunk);
                _receive.ReadExactly(scratch.AsSpan(0, n), _flushReplies);
                length -= (uint)n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed or reset: the reader is waking up anyway.
        }
    }

    private static Request ParseRequest(ReadOnlySpan<byte> header)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header[NbdRequestLayout.MagicOffset..]);
        if (magic != NbdMagic.Request)
        {
            // Extended-header requests are never negotiated here, so anything else is garbage.
            throw new NbdProtocolException($"bad request magic 0x{magic:x8}");
        }

        return new Request(
            (NbdCommandFlags)BinaryPrimitives.ReadUInt16BigEndian(header[NbdRequestLayout.FlagsOffset..]),
            (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(header[NbdRequestLayout.TypeOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[NbdRequestLayout.CookieOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[NbdRequestLayout.OffsetOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(header[NbdRequestLayout.LengthOffset..]));
    }

    /// <summary>Runs one request and sends its reply; never throws (its slot and payload buffer are released).</summary>
    private async Task ExecuteAsync(Session session, Request request, byte[]? payload, long reserved, long received, CancellationToken cancellationToken)
    {
        var export = session.Entry.Export;
        long bytes = 0;
        var failed = true;
        try
        {
            var refusal = Validate(session, request);
            if (refusal is { } error)
            {
                await SendErrorAsync(session, request, error, $"{request.Command} refused: {error}", cancellationToken);
                return;
            }

            switch (request.Command)
            {
                case NbdCommand.Read:
                    await SendReadReplyAsync(session, request, cancellationToken);
                    bytes = request.Length;
                    break;
                case NbdCommand.Write:
                    await export.WriteAsync((long)request.Offset, payload.AsMemory(0, (int)request.Length), request.Flags.HasFlag(NbdCommandFlags.Fua), cancellationToken);

                    // Written: the payload's memory is free before the reply waits for a client that may not read it.
                    NbdBuffers.Return(payload);
                    payload = null;
                    Unreserve(reserved);
                    reserved = 0;
                    await SendSimpleReplyAsync(request.Cookie, NbdError.None, cancellationToken);
                    bytes = request.Length;
                    break;
                case NbdCommand.Flush:
                    await export.FlushAsync(cancellationToken);
                    await SendSimpleReplyAsync(request.Cookie, NbdError.None, cancellationToken);
                    break;
                case NbdCommand.Cache:
                    await export.CacheAsync((long)request.Offset, request.Length, cancellationToken);
                    await SendSimpleReplyAsync(request.Cookie, NbdError.None, cancellationToken);
                    break;
                case NbdCommand.BlockStatus:
                    await SendBlockStatusAsync(session, request, cancellationToken);
                    break;
                default:
                    throw new UnreachableException($"Validate let {request.Command} through");
            }

            failed = false;
        }
        catch (NbdErrorException ex)
        {
            await TrySendErrorAsync(session, request, ex.Error, ex.Message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection is closing; nobody is waiting for this reply.
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
            // The socket went away while replying.
        }
        catch (Exception ex)
        {
            NbdLog.RequestFailed(_logger, _id, request.Command, request.Offset, request.Length, session.Entry.Name, ex);
            await TrySendErrorAsync(session, request, NbdError.Io, "internal error", cancellationToken);
        }
        finally
        {
            NbdBuffers.Return(payload);
            Unreserve(reserved);
            session.Entry.Counters.Record(request.Command, bytes, failed, Stopwatch.GetTimestamp() - received);
            _inFlight.Release();
        }
    }

    /// <summary>The error a request gets before the export is asked, or null when it is acceptable.</summary>
    private static NbdError? Validate(Session session, Request request)
    {
        var export = session.Entry.Export;
        var inRange = request.Offset <= (ulong)export.Size && request.Length <= (ulong)export.Size - request.Offset;
        return request.Command switch
        {
            NbdCommand.Read when request.Length > NbdLimits.MaxPayloadLength => NbdError.Inval,
            NbdCommand.Read or NbdCommand.Cache when !inRange => NbdError.Inval,
            NbdCommand.Read or NbdCommand.Cache or NbdCommand.Flush => null,
            NbdCommand.Write when export.ReadOnly => NbdError.Perm,

            // "a write request ... past the end of the export ... SHOULD fail with ENOSPC".
            NbdCommand.Write when !inRange => NbdError.NoSpc,
            NbdCommand.Write => null,
            NbdCommand.BlockStatus when !session.BaseAllocation || request.Length == 0 || !inRange => NbdError.Inval,
            NbdCommand.BlockStatus => null,

            // Known commands this server does not advertise (TRIM, WRITE_ZEROES, RESIZE) vs. numbers it does not know.
            NbdCommand.Trim or NbdCommand.WriteZeroes or NbdCommand.Resize => NbdError.NotSup,
            _ => NbdError.Inval,
        };
    }

    /// <summary>One parsed request header.</summary>
    private readonly record struct Request(NbdCommandFlags Flags, NbdCommand Command, ulong Cookie, ulong Offset, uint Length);
}
