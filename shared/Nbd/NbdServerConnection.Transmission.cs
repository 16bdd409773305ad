using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Jumpstart.Shared.Nbd;

/// <remarks>proto.md "Transmission", "Request message", "Request types", "Error values", "Block size constraints".</remarks>
internal sealed partial class NbdServerConnection
{
    private const int RequestHeaderLength = 28;

    /// <summary>Reads requests until DISC, end of stream or cancellation; each runs on its own task.</summary>
    private async Task TransmitAsync(Session session, CancellationToken cancellationToken)
    {
        while (true)
        {
            await ReadExactlyAsync(_header, cancellationToken);
            var received = Stopwatch.GetTimestamp();
            var request = ParseRequest(_header);
            if (request.Command == NbdCommand.Disconnect)
            {
                // "The server MUST ... complete any outstanding requests ... then close the connection".
                NbdLog.Disconnected(_logger, _id);
                await DrainAsync();
                return;
            }

            byte[]? payload = null;
            if (request.Command == NbdCommand.Write)
            {
                if (request.Length > NbdLimits.MaxPayloadLength)
                {
                    // The payload would have to be read to stay in sync; proto.md lets a server drop a client
                    // that exceeds the maximum payload instead of buffering it.
                    throw new NbdProtocolException($"WRITE of {request.Length} bytes exceeds the {NbdLimits.MaxPayloadLength}-byte maximum");
                }

                payload = ArrayPool<byte>.Shared.Rent((int)request.Length);
                try
                {
                    await ReadExactlyAsync(payload.AsMemory(0, (int)request.Length), cancellationToken);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(payload);
                    throw;
                }
            }

            try
            {
                await _inFlight.WaitAsync(cancellationToken);
            }
            catch
            {
                ReturnPayload(payload);
                throw;
            }

            _ = Task.Run(() => ExecuteAsync(session, request, payload, received, cancellationToken), CancellationToken.None);
        }
    }

    private static Request ParseRequest(ReadOnlySpan<byte> header)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != NbdMagic.Request)
        {
            // Extended-header requests are never negotiated here, so anything else is garbage.
            throw new NbdProtocolException($"bad request magic 0x{magic:x8}");
        }

        return new Request(
            (NbdCommandFlags)BinaryPrimitives.ReadUInt16BigEndian(header[4..]),
            (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(header[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(header[24..]));
    }

    /// <summary>Runs one request and sends its reply; never throws (its slot and payload buffer are released).</summary>
    private async Task ExecuteAsync(Session session, Request request, byte[]? payload, long received, CancellationToken cancellationToken)
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
            ReturnPayload(payload);
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

    private static void ReturnPayload(byte[]? payload)
    {
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    /// <summary>One parsed request header.</summary>
    private readonly record struct Request(NbdCommandFlags Flags, NbdCommand Command, ulong Cookie, ulong Offset, uint Length);
}
