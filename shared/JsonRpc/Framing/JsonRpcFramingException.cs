namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>
/// The byte stream does not follow the header-delimited framing (LSP base protocol): a header
/// block or body over its limit, a missing or malformed Content-Length, an unsupported charset.
/// The stream cannot be resynchronised after this, so the connection closes.
/// </summary>
public sealed class JsonRpcFramingException(string message) : Exception(message);
