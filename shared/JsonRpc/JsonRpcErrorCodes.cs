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

    /// <summary>
    /// Implementation-defined server error (§5.1 reserves -32000 to -32099): more requests are in
    /// progress than <see cref="JsonRpcOptions.MaxConcurrentRequests"/> allows; retry later.
    /// </summary>
    public const int ServerBusy = -32000;
}
