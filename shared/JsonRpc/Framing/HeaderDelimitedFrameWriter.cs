using System.Buffers;
using System.Buffers.Text;

namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>Writes one header-delimited frame: <c>Content-Length: N\r\n\r\n</c> then the body.</summary>
/// <remarks>
/// LSP base protocol, "Header Part". Like StreamJsonRpc and vscode-jsonrpc, no Content-Type is
/// written: its default (application/vscode-jsonrpc; charset=utf-8) is what we send.
/// </remarks>
internal static class HeaderDelimitedFrameWriter
{
    private static ReadOnlySpan<byte> Prefix => "Content-Length: "u8;

    private static ReadOnlySpan<byte> Suffix => "\r\n\r\n"u8;

    /// <summary>Room for the longest header: prefix, ten digits, suffix.</summary>
    private const int MaxHeaderLength = 16 + 10 + 4;

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(MaxHeaderLength);
        Prefix.CopyTo(span);
        var written = Prefix.Length;
        Utf8Formatter.TryFormat(body.Length, span[written..], out var digits);
        written += digits;
        Suffix.CopyTo(span[written..]);
        output.Advance(written + Suffix.Length);
        output.Write(body);
    }
}
