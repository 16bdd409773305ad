using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;

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
}
