using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>The peer answered a call with a JSON-RPC error object.</summary>
public sealed class RemoteInvocationException(int code, string message, JsonElement? errorData) : Exception(message)
{
    public int Code { get; } = code;

    /// <summary>The error's <c>data</c> member, if any.</summary>
    public JsonElement? ErrorData { get; } = errorData;
}
