using System.Buffers.Binary;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <remarks>proto.md "Simple reply message", "Structured reply chunk message", "Structured reply types".</remarks>
internal sealed partial class NbdServerConnection
{
    private const int MaxErrorMessageBytes = 256;

    private async ValueTask SendSimpleReplyAsync(ulong cookie, NbdError error, CancellationToken cancellationToken)
    {
        var reply = new byte[NbdReplyLayout.SimpleLength];
        WriteSimpleHeader(reply, cookie, error);
        await SendAsync(reply, cancellationToken);
    }

    /// <summary>Reads the data into a pooled buffer behind its reply header, then sends header and data in one write:
    /// a simple reply, or one <c>NBD_REPLY_TYPE_OFFSET_DATA</c> chunk with DONE (so DF is always honoured).</summary>
    private async ValueTask SendReadReplyAsync(Session session, Request request, CancellationToken cancellationToken)
    {
        var length = (int)request.Length;
        if (session.Structured && length == 0)
        {
            var none = new byte[NbdReplyLayout.ChunkHeaderLength];
            WriteChunkHeader(none, request.Cookie, NbdReplyType.None, 0);
            await SendAsync(none, cancellationToken);
            return;
        }

        var headerLength = ReadReplyHeaderLength(session);
        var buffer = NbdBuffers.Rent(headerLength + length);
        try
        {
            await session.Entry.Export.ReadAsync((long)request.Offset, buffer.AsMemory(headerLength, length), cancellationToken);
            WriteReadReplyHeader(buffer, session, request);
            await SendAsync(buffer.AsMemory(0, headerLength + length), cancellationToken);
        }
        finally
        {
            NbdBuffers.Return(buffer);
        }
    }

    /// <summary>The header before a READ's data: a simple reply's, or an OFFSET_DATA chunk's with its offset.</summary>
    private static int ReadReplyHeaderLength(Session session)
        => session.Structured ? NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.OffsetLength : NbdReplyLayout.SimpleLength;

    /// <summary>Writes the header of a successful READ reply at the start of <paramref name="reply"/> (header and data).</summary>
    private static void WriteReadReplyHeader(Span<byte> reply, Session session, Request request)
    {
        if (session.Structured)
        {
            WriteChunkHeader(reply, request.Cookie, NbdReplyType.OffsetData, NbdChunkLayout.OffsetLength + (int)request.Length);
            BinaryPrimitives.WriteUInt64BigEndian(reply[NbdReplyLayout.ChunkHeaderLength..], request.Offset);
        }
        else
        {
            WriteSimpleHeader(reply, request.Cookie, NbdError.None);
        }
    }

    /// <summary>One <c>NBD_REPLY_TYPE_BLOCK_STATUS</c> chunk for <c>base:allocation</c>; REQ_ONE keeps one extent.</summary>
    private async ValueTask SendBlockStatusAsync(Session session, Request request, CancellationToken cancellationToken)
    {
        var extents = await session.Entry.Export.GetAllocationAsync((long)request.Offset, request.Length, cancellationToken);
        if (extents.Count == 0)
        {
            throw new InvalidOperationException($"export '{session.Entry.Name}' returned no extent for {request.Offset}+{request.Length}");
        }

        var count = request.Flags.HasFlag(NbdCommandFlags.ReqOne) ? 1 : Math.Min(extents.Count, NbdLimits.MaxExtentsPerReply);
        var payloadLength = NbdChunkLayout.ContextIdLength + (count * NbdChunkLayout.DescriptorLength);
        var reply = new byte[NbdReplyLayout.ChunkHeaderLength + payloadLength];
        WriteChunkHeader(reply, request.Cookie, NbdReplyType.BlockStatus, payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(NbdReplyLayout.ChunkHeaderLength), BaseAllocationContextId);
        var at = NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.ContextIdLength;
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var extent = extents[i];
            total += extent.Length;
            if (extent.Length <= 0 || total > request.Length)
            {
                throw new InvalidOperationException($"export '{session.Entry.Name}' returned extents beyond {request.Offset}+{request.Length}");
            }

            BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(at), (uint)extent.Length);
            BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(at + NbdChunkLayout.DescriptorFlagsOffset), (uint)extent.Flags);
            at += NbdChunkLayout.DescriptorLength;
        }

        await SendAsync(reply, cancellationToken);
    }

    /// <summary>An error reply: an <c>NBD_REPLY_TYPE_ERROR</c> chunk where a structured reply is required (READ,
    /// BLOCK_STATUS after STRUCTURED_REPLY), else a simple reply.</summary>
    private async ValueTask SendErrorAsync(Session session, Request request, NbdError error, string message, CancellationToken cancellationToken)
    {
        if (!session.Structured || request.Command is not (NbdCommand.Read or NbdCommand.BlockStatus))
        {
            await SendSimpleReplyAsync(request.Cookie, error, cancellationToken);
            return;
        }

        var text = Encoding.UTF8.GetBytes(message);
        var textLength = Math.Min(text.Length, MaxErrorMessageBytes);
        var reply = new byte[NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.ErrorFixedLength + textLength];
        WriteChunkHeader(reply, request.Cookie, NbdReplyType.Error, NbdChunkLayout.ErrorFixedLength + textLength);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.ErrorCodeOffset), (uint)error);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.ErrorMessageLengthOffset), (ushort)textLength);
        text.AsSpan(0, textLength).CopyTo(reply.AsSpan(NbdReplyLayout.ChunkHeaderLength + NbdChunkLayout.ErrorFixedLength));
        await SendAsync(reply, cancellationToken);
    }

    /// <summary>Sends an error reply unless the connection is already closing.</summary>
    private async ValueTask TrySendErrorAsync(Session session, Request request, NbdError error, string message, CancellationToken cancellationToken)
    {
        try
        {
            await SendErrorAsync(session, request, error, message, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone; the reader notices and closes the connection.
        }
    }

    private static void WriteSimpleHeader(Span<byte> buffer, ulong cookie, NbdError error)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[NbdReplyLayout.MagicOffset..], NbdMagic.SimpleReply);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[NbdReplyLayout.SimpleErrorOffset..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[NbdReplyLayout.CookieOffset..], cookie);
    }

    /// <summary>Every chunk this server sends is the request's only one, so each carries DONE.</summary>
    private static void WriteChunkHeader(Span<byte> buffer, ulong cookie, NbdReplyType type, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[NbdReplyLayout.MagicOffset..], NbdMagic.StructuredReply);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[NbdReplyLayout.ChunkFlagsOffset..], (ushort)NbdReplyFlags.Done);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[NbdReplyLayout.ChunkTypeOffset..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[NbdReplyLayout.CookieOffset..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[NbdReplyLayout.ChunkPayloadLengthOffset..], (uint)payloadLength);
    }
}
