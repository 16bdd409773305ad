using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>The authenticated phase: one request at a time until the peer closes, idles out or breaks the protocol.</summary>
public sealed partial class BlockServer
{
    private async Task ServeRequestsAsync(NetworkStream stream, byte[] header, string peer, string remote, CancellationToken cancellationToken)
    {
        while (true)
        {
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                idle.CancelAfter(_options.IdleTimeout);
                if (await stream.ReadAtLeastAsync(header.AsMemory(0, 1), 1, throwOnEndOfStream: false, idle.Token) == 0)
                {
                    return;
                }
            }

            // From its first byte a request has RequestTimeout for the rest of its header, its body and its answer.
            using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            request.CancelAfter(_options.RequestTimeout);
            await stream.ReadExactlyAsync(header.AsMemory(1), request.Token);
            Interlocked.Increment(ref _active);
            try
            {
                if (!await ServeRequestAsync(stream, header, peer, remote, request.Token))
                {
                    return;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    /// <summary>Serves one request of an authenticated peer; returns false to close the connection.</summary>
    private async Task<bool> ServeRequestAsync(NetworkStream stream, byte[] header, string peer, string remote, CancellationToken cancellationToken)
    {
        BlockOp op;
        int idLength, payloadLength;
        try
        {
            (op, idLength, payloadLength) = BlockProtocol.ParseRequestHeader(header);
        }
        catch (BlockProtocolException ex)
        {
            await RefuseAsync(stream, remote, BlockStatus.BadRequest, ex.Message, cancellationToken);
            return false;
        }

        var idBytes = new byte[idLength];
        await stream.ReadExactlyAsync(idBytes, cancellationToken);
        var id = Encoding.ASCII.GetString(idBytes);
        if (op is BlockOp.Put or BlockOp.Get or BlockOp.Delete && !BlockProtocol.IsValidId(id))
        {
            await RefuseAsync(stream, remote, BlockStatus.BadRequest, "malformed object id", cancellationToken);
            return false;
        }

        await (op switch
        {
            BlockOp.Hello => HelloAgainAsync(stream, payloadLength, cancellationToken),
            BlockOp.Put => PutAsync(stream, peer, id, payloadLength, cancellationToken),
            BlockOp.Get => GetAsync(stream, peer, id, cancellationToken),
            BlockOp.Delete => DeleteAsync(stream, peer, id, cancellationToken),
            _ => StatsAsync(stream, peer, cancellationToken),
        });
        return true;
    }

    // A Hello on an authenticated connection is answered Ok (the connection keeps its peer); its token is read and dropped.
    private async Task HelloAgainAsync(NetworkStream stream, int tokenLength, CancellationToken cancellationToken)
    {
        await stream.ReadExactlyAsync(new byte[tokenLength], cancellationToken);
        await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    private async Task PutAsync(NetworkStream stream, string peer, string id, int length, CancellationToken cancellationToken)
    {
        await _requestBuffers.WaitAsync(cancellationToken);
        var buffer = _bufferPool.Rent(Math.Max(1, length));
        try
        {
            var data = buffer.AsMemory(0, length);
            await stream.ReadExactlyAsync(data, cancellationToken);
            try
            {
                await _repository.PutAsync(peer, id, data, cancellationToken);
            }
            catch (Exception ex) when (IsDiskFailure(ex))
            {
                await FailAsync(stream, BlockOp.Put, peer, id, ex, cancellationToken);
                return;
            }
        }
        finally
        {
            _bufferPool.Return(buffer);
            _requestBuffers.Release();
        }

        await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    private async Task GetAsync(NetworkStream stream, string peer, string id, CancellationToken cancellationToken)
    {
        await _requestBuffers.WaitAsync(cancellationToken);
        var buffer = _bufferPool.Rent(StoreLimits.MaxBlockSize);
        try
        {
            int length;
            try
            {
                length = await _repository.ReadAsync(peer, id, buffer, cancellationToken);
            }
            catch (Exception ex) when (IsDiskFailure(ex))
            {
                await FailAsync(stream, BlockOp.Get, peer, id, ex, cancellationToken);
                return;
            }

            await RespondAsync(stream, length < 0 ? BlockStatus.NotFound : BlockStatus.Ok, buffer.AsMemory(0, Math.Max(length, 0)), cancellationToken);
        }
        finally
        {
            _bufferPool.Return(buffer);
            _requestBuffers.Release();
        }
    }

    private async Task DeleteAsync(NetworkStream stream, string peer, string id, CancellationToken cancellationToken)
    {
        try
        {
            _repository.Delete(peer, id);
        }
        catch (Exception ex) when (IsDiskFailure(ex))
        {
            await FailAsync(stream, BlockOp.Delete, peer, id, ex, cancellationToken);
            return;
        }

        await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    private async Task StatsAsync(NetworkStream stream, string peer, CancellationToken cancellationToken)
    {
        long count, bytes;
        try
        {
            (count, bytes) = _repository.Stats(peer);
        }
        catch (Exception ex) when (IsDiskFailure(ex))
        {
            await FailAsync(stream, BlockOp.Stats, peer, string.Empty, ex, cancellationToken);
            return;
        }

        var answer = new byte[2 * sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(answer, count);
        BinaryPrimitives.WriteInt64BigEndian(answer.AsSpan(sizeof(long)), bytes);
        await RespondAsync(stream, BlockStatus.Ok, answer, cancellationToken);
    }

    // The storage could not do it (disk full, I/O error, a directory removed or unreadable): not the connection's fault.
    private static bool IsDiskFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>Answers Failed with the reason; the connection goes on.</summary>
    private async Task FailAsync(NetworkStream stream, BlockOp op, string peer, string id, Exception exception, CancellationToken cancellationToken)
    {
        StoreLog.RequestFailed(_logger, op.ToString(), peer, id, exception);
        var reason = Encoding.UTF8.GetBytes(exception.Message);
        await RespondAsync(stream, BlockStatus.Failed, reason.AsMemory(0, Math.Min(reason.Length, BlockProtocol.MaxReasonLength)), cancellationToken);
    }

    private static async Task RespondAsync(NetworkStream stream, BlockStatus status, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[BlockProtocol.HeaderLength];
        BlockProtocol.WriteResponseHeader(header, status, payload.Length);
        await stream.WriteAsync(header, cancellationToken);
        if (!payload.IsEmpty)
        {
            await stream.WriteAsync(payload, cancellationToken);
        }
    }
}
