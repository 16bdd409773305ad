using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>
/// Parses one header-delimited frame: <c>Content-Length: N\r\n</c>, optional other headers,
/// <c>\r\n</c>, then N bytes of UTF-8 JSON.
/// </summary>
/// <remarks>
/// LSP base protocol, "Header Part" and "Content Part"; the framing of StreamJsonRpc's
/// HeaderDelimitedMessageHandler. Header names are ASCII and case-insensitive; only Content-Length
/// and Content-Type (whose charset must be utf-8) have meaning, others are ignored. The parser never
/// allocates the claimed body size: it checks Content-Length against the limit before anything waits
/// for the body, and it returns "incomplete" without consuming until the whole frame is buffered.
/// </remarks>
internal static class HeaderDelimitedFrameParser
{
    /// <summary>The blank line that ends the header block.</summary>
    private static ReadOnlySpan<byte> HeaderTerminator => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> LineTerminator => "\r\n"u8;

    private static ReadOnlySpan<byte> ContentLengthName => "Content-Length"u8;

    private static ReadOnlySpan<byte> ContentTypeName => "Content-Type"u8;

    private static ReadOnlySpan<byte> CharsetKey => "charset="u8;

    /// <summary>Header blocks up to this size are parsed on the stack.</summary>
    private const int StackHeaderBytes = 256;

    /// <summary>
    /// Tries to take one frame from <paramref name="buffer"/>. Returns false when more bytes are
    /// needed (nothing consumed); on success <paramref name="body"/> is the JSON payload and
    /// <paramref name="consumed"/> is the position after it.
    /// </summary>
    /// <exception cref="JsonRpcFramingException">The bytes cannot be a valid frame within the limits.</exception>
    public static bool TryParse(
        in ReadOnlySequence<byte> buffer,
        int maxHeaderBytes,
        int maxMessageBytes,
        out ReadOnlySequence<byte> body,
        out SequencePosition consumed)
        => TryParse(buffer, maxHeaderBytes, maxMessageBytes, out body, out consumed, out _);

    /// <summary>
    /// Like <see cref="TryParse(in ReadOnlySequence{byte}, int, int, out ReadOnlySequence{byte}, out SequencePosition)"/>,
    /// and also says the frame's Content-Length as soon as its header block is complete (-1 before), so a caller can
    /// refuse a body by its size before waiting for it.
    /// </summary>
    /// <exception cref="JsonRpcFramingException">The bytes cannot be a valid frame within the limits.</exception>
    public static bool TryParse(
        in ReadOnlySequence<byte> buffer,
        int maxHeaderBytes,
        int maxMessageBytes,
        out ReadOnlySequence<byte> body,
        out SequencePosition consumed,
        out int contentLength)
    {
        body = default;
        consumed = buffer.Start;
        contentLength = -1;

        // Search only where a legal terminator can be, so a peer that never ends its header costs bounded work.
        var searchLength = Math.Min(buffer.Length, (long)maxHeaderBytes + HeaderTerminator.Length);
        var reader = new SequenceReader<byte>(buffer.Slice(0, searchLength));
        if (!reader.TryReadTo(out ReadOnlySequence<byte> header, HeaderTerminator, advancePastDelimiter: true))
        {
            if (searchLength > maxHeaderBytes + HeaderTerminator.Length - 1)
            {
                FramingThrow.HeaderTooLarge(maxHeaderBytes);
            }

            return false;
        }

        if (header.Length > maxHeaderBytes)
        {
            FramingThrow.HeaderTooLarge(maxHeaderBytes);
        }

        contentLength = ParseHeaderBlock(header, maxMessageBytes);
        var bodyStart = buffer.GetPosition(header.Length + HeaderTerminator.Length);
        var rest = buffer.Slice(bodyStart);
        if (rest.Length < contentLength)
        {
            return false;
        }

        body = rest.Slice(0, contentLength);
        consumed = body.End;
        return true;
    }

    private static int ParseHeaderBlock(in ReadOnlySequence<byte> header, int maxMessageBytes)
    {
        var length = (int)header.Length;
        byte[]? rented = null;
        var span = length <= StackHeaderBytes ? stackalloc byte[StackHeaderBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            span = span[..length];
            header.CopyTo(span);
            return ParseHeaderLines(span, maxMessageBytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int ParseHeaderLines(ReadOnlySpan<byte> block, int maxMessageBytes)
    {
        var contentLength = -1;
        while (true)
        {
            var end = block.IndexOf(LineTerminator);
            var line = end < 0 ? block : block[..end];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                FramingThrow.MalformedHeaderLine();
            }

            var name = line[..colon].Trim((byte)' ');
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, ContentLengthName))
            {
                contentLength = ParseContentLength(value, maxMessageBytes);
            }
            else if (Ascii.EqualsIgnoreCase(name, ContentTypeName))
            {
                CheckCharset(value);
            }

            if (end < 0)
            {
                break;
            }

            block = block[(end + LineTerminator.Length)..];
        }

        if (contentLength < 0)
        {
            FramingThrow.MissingContentLength();
        }

        return contentLength;
    }

    private static int ParseContentLength(ReadOnlySpan<byte> value, int maxMessageBytes)
    {
        // Utf8Parser accepts a leading sign; the protocol does not.
        ulong claimed = 0;
        if (value.IsEmpty || !char.IsAsciiDigit((char)value[0])
            || !Utf8Parser.TryParse(value, out claimed, out var used) || used != value.Length)
        {
            FramingThrow.BadContentLength();
        }

        if (claimed > (ulong)maxMessageBytes)
        {
            FramingThrow.BodyTooLarge(claimed > long.MaxValue ? long.MaxValue : (long)claimed, maxMessageBytes);
        }

        return (int)claimed;
    }

    private static void CheckCharset(ReadOnlySpan<byte> value)
    {
        // e.g. "application/vscode-jsonrpc; charset=utf-8"; "utf8" is accepted for old LSP clients.
        foreach (var range in value.Split((byte)';'))
        {
            var parameter = value[range].Trim((byte)' ');
            if (parameter.Length > CharsetKey.Length && Ascii.EqualsIgnoreCase(parameter[..CharsetKey.Length], CharsetKey))
            {
                var charset = parameter[CharsetKey.Length..].Trim((byte)'"');
                if (!Ascii.EqualsIgnoreCase(charset, "utf-8"u8) && !Ascii.EqualsIgnoreCase(charset, "utf8"u8))
                {
                    FramingThrow.UnsupportedCharset();
                }
            }
        }
    }
}
