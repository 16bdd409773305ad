using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>The transmission half of <see cref="NbdClient"/>: sending requests and the reply reader loop.</summary>
/// <remarks>proto.md "Request message", "Simple reply message", "Structured reply chunk message",
/// "Structured reply types" (OFFSET_DATA, OFFSET_HOLE, BLOCK_STATUS, ERROR, ERROR_OFFSET, NONE).</remarks>
public sealed partial class NbdClient
{
    private const int MaxErrorMessageBytes = 4096;
    private const int MaxBlockStatusReplyBytes = 1024 * 1024;
    private const int MaxBlockStatusRequestBytes = 1 << 30;
    private const int DrainBufferBytes = 64 * 1024;

    private readonly byte[] _requestHeader = new byte[NbdRequestLayout.Length];

    private int MaxChunkBytes => Math.Max(MaximumRequestBytes + NbdChunkLayout.OffsetLength, MaxBlockStatusReplyBytes);

    private async ValueTask SendAsync(
        NbdCommand command,
        NbdCommandFlags flags,
        long offset,
        uint length,
        Memory<byte> destination,
        ReadOnlyMemory<byte> payload,
        CancellationToken cancellationToken,
        List<NbdExtent>? extents = null)
    {
        ThrowIfFailed();
        await _window.WaitAsync(cancellationToken);
        var request = new NbdClientRequest(command, offset, length, destination, extents);
        var cookie = NextCookie();
        _pending[cookie] = request;
        if (_failure is not null)
        {
            // Fail() may have swept the table before this request joined it.
            Complete(cookie, _failure);
            await request.Completion.Task;
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Complete(cookie, null);
            throw;
        }

        try
        {
            // The caller's token must not cut a request in half on the wire: writes only stop when the client closes.
            WriteRequestHeader(_requestHeader, command, flags, cookie, offset, length);
            await _stream.WriteAsync(_requestHeader, _closing.Token);
            if (!payload.IsEmpty)
            {
                await _stream.WriteAsync(payload, _closing.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Fail(new IOException($"{Name}: sending a request failed: {ex.Message}", ex));
        }
        finally
        {
            _writeLock.Release();
        }

        using (cancellationToken.Register(static state => ((NbdClientRequest)state!).TryAbandon(), request))
        {
            await request.Completion.Task;
        }
    }

    private static void WriteRequestHeader(Span<byte> header, NbdCommand command, NbdCommandFlags flags, ulong cookie, long offset, uint length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(header[NbdRequestLayout.MagicOffset..], NbdMagic.Request);
        BinaryPrimitives.WriteUInt16BigEndian(header[NbdRequestLayout.FlagsOffset..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[NbdRequestLayout.TypeOffset..], (ushort)command);
        BinaryPrimitives.WriteUInt64BigEndian(header[NbdRequestLayout.CookieOffset..], cookie);
        BinaryPrimitives.WriteUInt64BigEndian(header[NbdRequestLayout.OffsetOffset..], (ulong)offset);
        BinaryPrimitives.WriteUInt32BigEndian(header[NbdRequestLayout.LengthOffset..], length);
    }

    private async Task ReadRepliesAsync()
    {
        var header = new byte[NbdReplyLayout.ChunkHeaderLength];
        try
        {
            while (true)
            {
                await _input.ReadExactlyAsync(header.AsMemory(NbdReplyLayout.MagicOffset, NbdReplyLayout.MagicLength), _closing.Token);
                var magic = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdReplyLayout.MagicOffset));
                if (magic == NbdMagic.SimpleReply)
                {
                    await _input.ReadExactlyAsync(header.AsMemory(NbdReplyLayout.MagicLength, NbdReplyLayout.SimpleLength - NbdReplyLayout.MagicLength), _closing.Token);
                    await OnSimpleReplyAsync(
                        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdReplyLayout.SimpleErrorOffset)),
                        BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(NbdReplyLayout.CookieOffset)));
                }
                else if (magic == NbdMagic.StructuredReply && StructuredReplies)
                {
                    await _input.ReadExactlyAsync(header.AsMemory(NbdReplyLayout.MagicLength, NbdReplyLayout.ChunkHeaderLength - NbdReplyLayout.MagicLength), _closing.Token);
                    await OnChunkAsync(
                        (NbdReplyFlags)BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(NbdReplyLayout.ChunkFlagsOffset)),
                        (NbdReplyType)BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(NbdReplyLayout.ChunkTypeOffset)),
                        BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(NbdReplyLayout.CookieOffset)),
                        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdReplyLayout.ChunkPayloadLengthOffset)));
                }
                else
                {
                    throw new NbdProtocolException($"{Name}: bad reply magic 0x{magic:x8}");
                }
            }
        }
        catch (NbdProtocolException ex)
        {
            Fail(ex);
            _socket.Dispose();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Fail(new IOException($"{Name}: connection lost: {ex.Message}", ex));
        }
    }

    private async Task OnSimpleReplyAsync(uint error, ulong cookie)
    {
        var request = Lookup(cookie);
        if (error != 0)
        {
            // An error reply carries no data, even for a read (proto.md "Simple reply message").
            Complete(cookie, new NbdErrorException((NbdError)error, $"{Name}: {request.Command} at {request.Offset} (+{request.Length}) failed: {(NbdError)error}"));
            return;
        }

        if (request.Command == NbdCommand.Read)
        {
            await ReceiveAsync(request, 0, (int)request.Length);
        }

        Complete(cookie, null);
    }

    private async Task OnChunkAsync(NbdReplyFlags flags, NbdReplyType type, ulong cookie, uint length)
    {
        var request = Lookup(cookie);
        if (length > MaxChunkBytes)
        {
            throw new NbdProtocolException($"{Name}: reply chunk of {length} bytes exceeds the {MaxChunkBytes}-byte limit");
        }

        switch (type)
        {
            case NbdReplyType.None:
                if (length != 0 || (flags & NbdReplyFlags.Done) == 0)
                {
                    throw new NbdProtocolException($"{Name}: NONE chunk with {length} bytes or without the done flag");
                }

                break;
            case NbdReplyType.OffsetData:
                await OnDataChunkAsync(request, length);
                break;
            case NbdReplyType.OffsetHole:
                await OnHoleChunkAsync(request, length);
                break;
            case NbdReplyType.BlockStatus:
                await OnBlockStatusChunkAsync(request, length);
                break;
            default:
                if (((ushort)type & 0x8000) == 0)
                {
                    throw new NbdProtocolException($"{Name}: unknown reply chunk type {(ushort)type}");
                }

                request.Error ??= ParseError(request, await ReadPayloadAsync(length));
                break;
        }

        if ((flags & NbdReplyFlags.Done) != 0)
        {
            var incomplete = request.Error is null && request.Command == NbdCommand.Read && request.BytesCovered != request.Length;
            Complete(cookie, incomplete
                ? new NbdProtocolException($"{Name}: read at {request.Offset} got {request.BytesCovered} of {request.Length} bytes")
                : request.Error);
        }
    }

    private async Task OnDataChunkAsync(NbdClientRequest request, uint length)
    {
        if (request.Command != NbdCommand.Read || length <= NbdChunkLayout.OffsetLength)
        {
            throw new NbdProtocolException($"{Name}: OFFSET_DATA chunk of {length} bytes for a {request.Command}");
        }

        var offset = await ReadOffsetAsync();
        var relative = CheckRange(request, offset, length - NbdChunkLayout.OffsetLength);
        await ReceiveAsync(request, relative, (int)(length - NbdChunkLayout.OffsetLength));
    }

    private async Task OnHoleChunkAsync(NbdClientRequest request, uint length)
    {
        if (request.Command != NbdCommand.Read || length != NbdChunkLayout.HoleLength)
        {
            throw new NbdProtocolException($"{Name}: OFFSET_HOLE chunk of {length} bytes for a {request.Command}");
        }

        var payload = await ReadPayloadAsync(length);
        var offset = BinaryPrimitives.ReadUInt64BigEndian(payload);
        var size = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(NbdChunkLayout.HoleSizeOffset));
        var relative = CheckRange(request, offset, size);
        if (request.BeginReceive())
        {
            request.Destination.Span.Slice(relative, (int)size).Clear();
            request.EndReceive();
        }

        request.BytesCovered += size;
    }

    private async Task OnBlockStatusChunkAsync(NbdClientRequest request, uint length)
    {
        if (request.Command != NbdCommand.BlockStatus || length < NbdChunkLayout.ContextIdLength + NbdChunkLayout.DescriptorLength || (length - NbdChunkLayout.ContextIdLength) % NbdChunkLayout.DescriptorLength != 0)
        {
            throw new NbdProtocolException($"{Name}: BLOCK_STATUS chunk of {length} bytes for a {request.Command}");
        }

        var payload = await ReadPayloadAsync(length);
        if (BinaryPrimitives.ReadUInt32BigEndian(payload) != _allocationContextId || request.Extents is null)
        {
            return;
        }

        for (var at = NbdChunkLayout.ContextIdLength; at < payload.Length && request.ExtentBytes < request.Length; at += NbdChunkLayout.DescriptorLength)
        {
            var extentLength = Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(at)), request.Length - request.ExtentBytes);
            if (extentLength == 0)
            {
                throw new NbdProtocolException($"{Name}: zero-length block status extent");
            }

            request.Extents.Add(new NbdExtent(extentLength, (NbdExtentFlags)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(at + NbdChunkLayout.DescriptorFlagsOffset))));
            request.ExtentBytes += extentLength;
        }
    }

    private NbdErrorException ParseError(NbdClientRequest request, byte[] payload)
    {
        if (payload.Length < NbdChunkLayout.ErrorFixedLength)
        {
            throw new NbdProtocolException($"{Name}: error chunk of {payload.Length} bytes");
        }

        var error = (NbdError)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(NbdChunkLayout.ErrorCodeOffset));
        var messageLength = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(NbdChunkLayout.ErrorMessageLengthOffset));
        if (messageLength > payload.Length - NbdChunkLayout.ErrorFixedLength || messageLength > MaxErrorMessageBytes)
        {
            throw new NbdProtocolException($"{Name}: error message of {messageLength} bytes in a {payload.Length}-byte chunk");
        }

        var message = Encoding.UTF8.GetString(payload, NbdChunkLayout.ErrorFixedLength, messageLength);
        return new NbdErrorException(error == NbdError.None ? NbdError.Io : error, $"{Name}: {request.Command} at {request.Offset} (+{request.Length}) failed: {error}{(message.Length > 0 ? $": {message}" : string.Empty)}");
    }

    private int CheckRange(NbdClientRequest request, ulong offset, uint size)
    {
        var start = (ulong)request.Offset;
        if (offset < start || offset - start + size > request.Length)
        {
            throw new NbdProtocolException($"{Name}: reply chunk {offset}+{size} outside the request {request.Offset}+{request.Length}");
        }

        return (int)(offset - start);
    }

    private async Task ReceiveAsync(NbdClientRequest request, int relative, int count)
    {
        if (request.BeginReceive())
        {
            try
            {
                await _input.ReadExactlyAsync(request.Destination.Slice(relative, count), _closing.Token);
            }
            finally
            {
                request.EndReceive();
            }
        }
        else
        {
            await DrainAsync(count);
        }

        request.BytesCovered += count;
    }

    private async Task DrainAsync(int count)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Min(count, DrainBufferBytes));
        try
        {
            for (var left = count; left > 0;)
            {
                var piece = Math.Min(left, scratch.Length);
                await _input.ReadExactlyAsync(scratch.AsMemory(0, piece), _closing.Token);
                left -= piece;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private async Task<ulong> ReadOffsetAsync()
    {
        var bytes = new byte[NbdChunkLayout.OffsetLength];
        await _input.ReadExactlyAsync(bytes, _closing.Token);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    private async Task<byte[]> ReadPayloadAsync(uint length)
    {
        // length was checked against MaxChunkBytes before this allocation.
        var payload = new byte[length];
        await _input.ReadExactlyAsync(payload, _closing.Token);
        return payload;
    }

    private NbdClientRequest Lookup(ulong cookie)
        => _pending.TryGetValue(cookie, out var request)
            ? request
            : throw new NbdProtocolException($"{Name}: reply for unknown cookie {cookie}");

    private void Complete(ulong cookie, Exception? error)
    {
        // Whoever removes the cookie owns the completion (reader loop, Fail, or a sender that gave up early).
        if (!_pending.TryRemove(cookie, out var request))
        {
            return;
        }

        _window.Release();
        if (error is null)
        {
            request.Completion.TrySetResult();
        }
        else
        {
            request.Completion.TrySetException(error);
        }
    }

    private void Fail(IOException failure)
    {
        Interlocked.CompareExchange(ref _failure, failure, null);
        foreach (var cookie in _pending.Keys)
        {
            Complete(cookie, _failure);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException(failure.Message, failure);
        }
    }
}
