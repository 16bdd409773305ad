namespace Jumpstart.Shared.JsonRpc;

/// <summary>The <c>data</c> of an Internal error (-32603): which exception type the handler threw.</summary>
public sealed record InternalErrorData(string Type);
