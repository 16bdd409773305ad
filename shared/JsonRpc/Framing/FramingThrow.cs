using System.Diagnostics.CodeAnalysis;

namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>Throw helpers keep the parser's hot path small.</summary>
internal static class FramingThrow
{
    [DoesNotReturn]
    public static void HeaderTooLarge(int limit)
        => throw new JsonRpcFramingException($"header block exceeds {limit} bytes without the blank line that ends it");

    [DoesNotReturn]
    public static void BodyTooLarge(long claimed, int limit)
        => throw new JsonRpcFramingException($"Content-Length {claimed} exceeds the limit of {limit} bytes");

    [DoesNotReturn]
    public static void LargeBodyRefused(long claimed, int limit, long budget)
        => throw new JsonRpcFramingException(
            $"Content-Length {claimed} exceeds {limit} bytes, and the {budget} bytes this listener buffers for larger messages are in use");

    [DoesNotReturn]
    public static void MissingContentLength()
        => throw new JsonRpcFramingException("header block has no Content-Length");

    [DoesNotReturn]
    public static void BadContentLength()
        => throw new JsonRpcFramingException("Content-Length is not a non-negative decimal integer");

    [DoesNotReturn]
    public static void MalformedHeaderLine()
        => throw new JsonRpcFramingException("header line is not 'Name: value'");

    [DoesNotReturn]
    public static void UnsupportedCharset()
        => throw new JsonRpcFramingException("Content-Type charset is not utf-8");
}
