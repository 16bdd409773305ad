namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>Member names and reserved method names of JSON-RPC 2.0 and the LSP cancellation extension.</summary>
internal static class ProtocolNames
{
    public const string JsonRpc = "jsonrpc";
    public const string Version = "2.0";
    public const string Id = "id";
    public const string Method = "method";
    public const string Params = "params";
    public const string Result = "result";
    public const string Error = "error";
    public const string Code = "code";
    public const string Message = "message";
    public const string Data = "data";

    /// <summary>LSP "Cancellation Support": a notification whose params are <c>{"id": ...}</c>.</summary>
    public const string CancelRequest = "$/cancelRequest";
}
