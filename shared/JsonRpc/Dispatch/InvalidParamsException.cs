namespace Jumpstart.Shared.JsonRpc.Dispatch;

/// <summary>The params of a request do not fit the bound method; answered with -32602 (§5.1).</summary>
internal sealed class InvalidParamsException(string message, Exception? inner = null) : Exception(message, inner);
