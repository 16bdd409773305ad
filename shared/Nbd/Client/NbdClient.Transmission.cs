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
    private const int RequestHeaderBytes = 28;
    private const int SimpleReplyBytes = 16;
    private const int StructuredReplyBytes = 20;
    private const int MagicBytes = 4;
    private const int OffsetBytes = 8;
    private const int HoleChunkBytes = 12;
    private const int ErrorChunkMinBytes = 6;
    private const int BlockDescriptorBytes = 8;
    private const int MaxErrorMessageBytes = 4096;
    private const int MaxBlockStatusReplyBytes = 1024 * 1024;
    private const int MaxBlockStatusRequestBytes = 1 << 30;
    private const int DrainBufferBytes = 64 * 1024;

    private readonly byte[] _requestHeader = new byte[RequestHeaderBytes];

    private int MaxChunkBytes => Math.Max(MaximumRequestBytes + OffsetBytes, MaxBlockStatusReplyBytes);

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
        BinaryPrimitives.WriteUInt32BigEndian(header, NbdMagic.Request);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)command);
        BinaryPrimitives.WriteUInt64BigEndian(header[8..], cookie);
        BinaryPrimitives.WriteUInt64BigEndian(header[16..], (ulong)offset);
        BinaryPrimitives.WriteUInt32BigEndian(header[24..], length);
    }

    private async Task ReadRepliesAsync()
    {
        var header = new byte[StructuredReplyBytes];
        try
        {
            while (true)
            {
                await _input.ReadExactlyAsync(header.AsMemory(0, MagicBytes), _closing.Token);
                var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (magic == NbdMagic.SimpleReply)
                {
                    await _input.ReadExactlyAsync(header.AsMemory(MagicBytes, SimpleReplyBytes - MagicBytes), _closing.Token);
                    await OnSimpleReplyAsync(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)));
                }
                else if (magic == NbdMagic.StructuredReply && StructuredReplies)
                {
                    await _input.ReadExactlyAsync(header.AsMemory(MagicBytes, StructuredReplyBytes - MagicBytes), _closing.Token);
                    await OnChunkAsync(
                        (NbdReplyFlags)BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)),
                        (NbdReplyType)BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)),
                        BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)),
                        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)));
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
        if (request.Command != NbdCommand.Read || length <= OffsetBytes)
        {
            throw new NbdProtocolException($"{Name}: OFFSET_DATA chunk of {length} bytes for a {request.Command}");
        }

        var offset = await ReadOffsetAsync();
        var relative = CheckRange(request, offset, length - OffsetBytes);
        await ReceiveAsync(request, relative, (int)(length - OffsetBytes));
    }

    private async Task OnHoleChunkAsync(NbdClientRequest request, uint length)
    {
        if (request.Command != NbdCommand.Read || length != HoleChunkBytes)
        {
            throw new NbdProtocolException($"{Name}: OFFSET_HOLE chunk of {length} bytes for a {request.Command}");
        }

        var payload = await ReadPayloadAsync(length);
        var offset = BinaryPrimitives.ReadUInt64BigEndian(payload);
        var size = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(OffsetBytes));
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
        if (request.Command != NbdCommand.BlockStatus || length < 4 + BlockDescriptorBytes || (length - 4) % BlockDescriptorBytes != 0)
        {
            throw new NbdProtocolException($"{Name}: BLOCK_STATUS chunk of {length} bytes for a {request.Command}");
        }

        var payload = await ReadPayloadAsync(length);
        if (BinaryPrimitives.ReadUInt32BigEndian(payload) != _allocationContextId || request.Extents is null)
        {
            return;
        }

        for (var at = 4; at < payload.Length && request.ExtentBytes < request.Length; at += BlockDescriptorBytes)
        {
            var extentLength = Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(at)), request.Length - request.ExtentBytes);
            if (extentLength == 0)
            {
                throw new NbdProtocolException($"{Name}: zero-length block status extent");
            }

            request.Extents.Add(new NbdExtent(extentLength, (NbdExtentFlags)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(at + 4))));
            request.ExtentBytes += extentLength;
        }
    }

    private NbdErrorException ParseError(NbdClientRequest request, byte[] payload)
    {
        if (payload.Length < ErrorChunkMinBytes)
        {
            throw new NbdProtocolException($"{Name}: error chunk of {payload.Length} bytes");
        }

        var error = (NbdError)BinaryPrimitives.ReadUInt32BigEndian(payload);
        var messageLength = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(4));
        if (messageLength > payload.Length - ErrorChunkMinBytes || messageLength > MaxErrorMessageBytes)
        {
            throw new NbdProtocolException($"{Name}: error message of {messageLength} bytes in a {payload.Length}-byte chunk");
        }

        var message = Encoding.UTF8.GetString(payload, ErrorChunkMinBytes, messageLength);
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
        var bytes = new byte[OffsetBytes];
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
