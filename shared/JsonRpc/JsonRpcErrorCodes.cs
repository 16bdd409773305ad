namespace Jumpstart.Shared.JsonRpc;

/// <summary>Error codes from JSON-RPC 2.0 §5.1 and the LSP/StreamJsonRpc extension for cancellation.</summary>
public static class JsonRpcErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int RequestCancelled = -32800;
}
