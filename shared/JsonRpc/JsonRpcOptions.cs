using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Limits and serialization settings for one connection.</summary>
public sealed record JsonRpcOptions
{
    /// <summary>Largest header block accepted before the blank line; more is a framing error and closes the connection.</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>Largest message body accepted; a larger Content-Length closes the connection without allocating it.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most entries accepted in one batch (JSON-RPC §6); a larger batch is answered with one Invalid Request error.</summary>
    public int MaxBatchLength { get; init; } = 1024;

    /// <summary>
    /// Most calls from the peer running at once on this connection; beyond it a request is answered
    /// at once with <see cref="JsonRpcErrorCodes.ServerBusy"/> and a notification is dropped.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 1024;

    /// <summary>
    /// Capacity of the bounded queue between producers (calls, handlers' responses) and the writer loop;
    /// when full, producers wait, which pushes back on a peer that sends faster than it reads.
    /// </summary>
    public int OutgoingQueueCapacity { get; init; } = 256;

    /// <summary>How long a graceful close waits for queued messages to reach the transport before cutting it.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Serializer for parameters and results. Defaults to camelCase web defaults.</summary>
    public JsonSerializerOptions SerializerOptions { get; init; } = new(JsonSerializerDefaults.Web);
}
