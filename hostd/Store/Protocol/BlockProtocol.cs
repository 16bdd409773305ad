using System.Buffers.Binary;

namespace Jumpstart.Hostd.Store.Protocol;

/// <summary>
/// The block servers' wire format: a compact request/response protocol over TCP, one request at a time per
/// connection. Every integer is big-endian.
/// </summary>
/// <remarks>
/// Request: version (1 byte) | op (1) | id length (1) | reserved 0 (1) | payload length (4) | id (ASCII) | payload.
/// Response: version (1) | status (1) | reserved 0 (2) | payload length (4) | payload.
/// The first request on a connection must be <see cref="BlockOp.Hello"/> carrying the peer's token; anything
/// else, or a token no peer owns, is answered <see cref="BlockStatus.Denied"/> and the connection closed.
/// Lengths are checked against the limits below before anything is allocated.
/// </remarks>
public static class BlockProtocol
{
    public const byte Version = 1;
    public const int HeaderLength = 8;

    /// <summary>Longest token a Hello may carry.</summary>
    public const int MaxTokenLength = 256;

    /// <summary>Shortest token a server accepts in its token file.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Longest object id.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Largest payload of a Put or a Get answer.</summary>
    public const int MaxPayload = StoreLimits.MaxBlockSize;

    /// <summary>Longest reason text in a Failed answer.</summary>
    public const int MaxReasonLength = 1024;

    private const int VersionOffset = 0;
    private const int CodeOffset = 1;
    private const int IdLengthOffset = 2;
    private const int LengthOffset = 4;

    public static void WriteRequestHeader(Span<byte> header, BlockOp op, int idLength, int payloadLength)
    {
        header[..HeaderLength].Clear();
        header[VersionOffset] = Version;
        header[CodeOffset] = (byte)op;
        header[IdLengthOffset] = checked((byte)idLength);
        BinaryPrimitives.WriteInt32BigEndian(header[LengthOffset..], payloadLength);
    }

    public static void WriteResponseHeader(Span<byte> header, BlockStatus status, int payloadLength)
    {
        header[..HeaderLength].Clear();
        header[VersionOffset] = Version;
        header[CodeOffset] = (byte)status;
        BinaryPrimitives.WriteInt32BigEndian(header[LengthOffset..], payloadLength);
    }

    /// <summary>Parses and bounds a request header.</summary>
    /// <exception cref="BlockProtocolException">Wrong version, unknown op or a length beyond the limits.</exception>
    public static (BlockOp Op, int IdLength, int PayloadLength) ParseRequestHeader(ReadOnlySpan<byte> header)
    {
        CheckVersion(header);
        var op = (BlockOp)header[CodeOffset];
        int idLength = header[IdLengthOffset];
        var payload = BinaryPrimitives.ReadInt32BigEndian(header[LengthOffset..]);
        var maxPayload = op switch
        {
            BlockOp.Hello => MaxTokenLength,
            BlockOp.Put => MaxPayload,
            BlockOp.Get or BlockOp.Delete or BlockOp.Stats => 0,
            _ => throw new BlockProtocolException($"unknown op {(byte)op}"),
        };
        if (idLength > MaxIdLength || payload < 0 || payload > maxPayload)
        {
            throw new BlockProtocolException($"{op}: id length {idLength} or payload length {payload} out of bounds (max {MaxIdLength}, {maxPayload})");
        }

        return (op, idLength, payload);
    }

    /// <summary>Parses and bounds a response header.</summary>
    public static (BlockStatus Status, int PayloadLength) ParseResponseHeader(ReadOnlySpan<byte> header)
    {
        CheckVersion(header);
        var status = (BlockStatus)header[CodeOffset];
        var payload = BinaryPrimitives.ReadInt32BigEndian(header[LengthOffset..]);
        var max = status switch
        {
            BlockStatus.Ok => MaxPayload,
            BlockStatus.NotFound or BlockStatus.Denied or BlockStatus.BadRequest or BlockStatus.Failed => MaxReasonLength,
            _ => throw new BlockProtocolException($"unknown status {(byte)status}"),
        };
        if (payload < 0 || payload > max)
        {
            throw new BlockProtocolException($"{status} answer of {payload} bytes is out of bounds (max {max})");
        }

        return (status, payload);
    }

    /// <summary>True for a well-formed object id: lowercase hex, 1 to <see cref="MaxIdLength"/> characters.</summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
        => id.Length is > 0 and <= MaxIdLength && !id.ContainsAnyExcept("0123456789abcdef");

    private static void CheckVersion(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength || header[VersionOffset] != Version)
        {
            throw new BlockProtocolException($"not a block-protocol v{Version} header");
        }
    }
}
