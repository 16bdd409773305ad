using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Limits and serialization settings for one connection.</summary>
public sealed record JsonRpcOptions
{
    /// <summary>Largest header block accepted before the blank line; more is a framing error and closes the connection.</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>Largest message body accepted; a larger Content-Length closes the connection without allocating it.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Serializer for parameters and results. Defaults to camelCase web defaults.</summary>
    public JsonSerializerOptions SerializerOptions { get; init; } = new(JsonSerializerDefaults.Web);
}
