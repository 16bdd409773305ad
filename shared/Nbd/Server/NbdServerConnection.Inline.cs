using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;
using Mono.Unix.Native;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>Reads answered on the reader thread itself: gathered replies and the sends that carry them.</summary>
/// <remarks>proto.md "Transmission": "the server MAY send replies in any order"; a reply sent here is whole (its header
/// and all its data, or one structured chunk with DONE), so replies sent by running requests never interleave with it.</remarks>
internal sealed partial class NbdServerConnection
{
    /// <summary>Replies of small reads gathered before one send: 64 replies of 4 KiB.</summary>
    internal const int ReplyBatchBytes = 256 * 1024;

    /// <summary>How long a send waits in poll(2) before it checks for cancellation again.</summary>
    private const int SendPollMicroseconds = 1_000_000;

    private readonly Action _flushReplies;
    private readonly byte[] _fileReplyHeader = new byte[NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.OffsetLength];
    private CancellationToken _cancellation;
    private byte[]? _batch;
    private int _batchLength;

    /// <summary>Answers a READ now when the export has its data at hand (<see cref="INbdExport.TryRead"/>): a small one
    /// into the gathered replies, a large one sent at once. False when the read must wait (it then runs as a task).</summary>
    private bool TryReadNow(Session session, Request request, long received, CancellationToken cancellationToken)
    {
        var headerLength = ReadReplyHeaderLength(session);
        var total = headerLength + (int)request.Length;
        if (total <= ReplyBatchBytes)
        {
            if (_batch is not null && _batchLength + total > ReplyBatchBytes)
            {
                FlushReplies();
            }

            if (_batch is null)
            {
                // The gathered replies count against the budgets like any reply data (and are sent before this connection
                // waits for anything else, so holding them never blocks another reservation).
                Reserve(ReplyBatchBytes, cancellationToken);
                _batch = NbdBuffers.Rent(ReplyBatchBytes);
            }

            if (!TryReadInto(session, request, _batch.AsSpan(_batchLength, total), headerLength))
            {
                return false;
            }

            _batchLength += total;
        }
        else if (TrySendFromFile(session, request, headerLength, cancellationToken))
        {
            // Sent straight from the page cache.
        }
        else
        {
            FlushReplies();
            Reserve(request.Length, cancellationToken);
            var buffer = NbdBuffers.Rent(total);
            try
            {
                if (!TryReadInto(session, request, buffer.AsSpan(0, total), headerLength))
                {
                    return false;
                }

                SendNow(buffer.AsSpan(0, total), cancellationToken);
            }
            finally
            {
                NbdBuffers.Return(buffer);
                Unreserve(request.Length);
            }
        }

        session.Entry.Counters.Record(NbdCommand.Read, request.Length, failed: false, Stopwatch.GetTimestamp() - received);
        return true;
    }

    /// <summary>Reads the data behind the reply header and writes the header; false (nothing written) when the export
    /// cannot read now, or failed: the request then takes the general path, which asks again and answers the error.</summary>
    private static bool TryReadInto(Session session, Request request, Span<byte> reply, int headerLength)
    {
        try
        {
            if (!session.Entry.Export.TryRead((long)request.Offset, reply[headerLength..]))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is NbdErrorException or IOException or ObjectDisposedException)
        {
            return false;
        }

        WriteReadReplyHeader(reply, session, request);
        return true;
    }

    /// <summary>A large READ of an export backed by a file (<see cref="INbdExport.FileFor"/>): the reply header, then the
    /// data with sendfile(2), from the page cache to the socket with no copy through this process. False (nothing sent)
    /// when the export has no file for the range or the file no longer covers it (truncated: the general path answers
    /// EIO). Should the file end during the send, the reply is half sent and the connection is closed.</summary>
    private bool TrySendFromFile(Session session, Request request, int headerLength, CancellationToken cancellationToken)
    {
        var file = session.Entry.Export.FileFor((long)request.Offset, request.Length);
        if (file is null || RandomAccess.GetLength(file) < (long)request.Offset + request.Length)
        {
            return false;
        }

        FlushReplies();
        var header = _fileReplyHeader.AsSpan(0, headerLength);
        WriteReadReplyHeader(header, session, request);
        _writeLock.Wait(cancellationToken);
        var success = false;
        file.DangerousAddRef(ref success);
        try
        {
            Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
            SendAllLocked(header, cancellationToken);
            var offset = (long)request.Offset;
            var left = (long)request.Length;
            var socket = (int)_socket.Handle;
            var fd = (int)file.DangerousGetHandle();
            while (left > 0)
            {
                var n = Syscall.sendfile(socket, fd, ref offset, (ulong)left);
                if (n > 0)
                {
                    left -= n;
                    Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
                    continue;
                }

                var errno = n == 0 ? Errno.ENODATA : Stdlib.GetLastError();
                if (errno == Errno.EAGAIN)
                {
                    _socket.Poll(SendPollMicroseconds, SelectMode.SelectWrite);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else if (errno != Errno.EINTR)
                {
                    throw new IOException($"sendfile of {left} bytes at {offset} failed: {errno}");
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            _lifetime!.Cancel();
            throw;
        }
        finally
        {
            if (success)
            {
                file.DangerousRelease();
            }

            Volatile.Write(ref _writingSince, 0);
            _writeLock.Release();
        }

        return true;
    }

    /// <summary>Sends the gathered replies (the reader calls this before it waits for the client or for a budget).</summary>
    private void FlushReplies()
    {
        if (_batch is null)
        {
            return;
        }

        try
        {
            if (_batchLength > 0)
            {
                SendNow(_batch.AsSpan(0, _batchLength), _cancellation);
            }
        }
        finally
        {
            ReturnBatch();
        }
    }

    private void ReturnBatch()
    {
        if (_batch is null)
        {
            return;
        }

        NbdBuffers.Return(_batch);
        _batch = null;
        _batchLength = 0;
        Unreserve(ReplyBatchBytes);
    }

    /// <summary>Sends whole replies from the reader thread: non-blocking sends, waiting in poll(2) while the socket is
    /// full. Progress feeds the stall watch; a send error closes the connection (a reply may be half written).</summary>
    private void SendNow(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        _writeLock.Wait(cancellationToken);
        try
        {
            Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
            SendAllLocked(data, cancellationToken);
        }
        catch (SocketException)
        {
            _lifetime!.Cancel();
            throw;
        }
        finally
        {
            Volatile.Write(ref _writingSince, 0);
            _writeLock.Release();
        }
    }

    /// <summary>Sends all of <paramref name="data"/> with the write lock held, waiting in poll(2) while the socket is full.</summary>
    private void SendAllLocked(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var n = _socket.Send(data, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                data = data[n..];
                Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
                continue;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            _socket.Poll(SendPollMicroseconds, SelectMode.SelectWrite);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
