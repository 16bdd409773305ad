namespace Jumpstart.Shared.JsonRpc;

/// <summary>The connection closed while a call was waiting for its answer.</summary>
public sealed class ConnectionLostException(string message, Exception? inner = null) : Exception(message, inner);
