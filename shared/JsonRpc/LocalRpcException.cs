namespace Jumpstart.Shared.JsonRpc;

/// <summary>Thrown by a local method to answer with a specific JSON-RPC error code, message and data.</summary>
public sealed class LocalRpcException(int code, string message, object? errorData = null) : Exception(message)
{
    public int Code { get; } = code;

    public object? ErrorData { get; } = errorData;
}
