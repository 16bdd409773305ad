using System.Net;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Opens client connections.</summary>
/// <remarks>STUB CONTRACT: signatures agreed; implementation lands with the JSON-RPC work.</remarks>
public static class JsonRpcClient
{
    /// <summary>
    /// Connects to a <see cref="IPEndPoint"/>, <see cref="DnsEndPoint"/> or <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>;
    /// <paramref name="configure"/> may add local targets (for server-to-client calls) before listening starts.
    /// </summary>
    public static Task<JsonRpcConnection> ConnectAsync(
        EndPoint endPoint,
        Action<JsonRpcConnection>? configure = null,
        JsonRpcOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
        => throw new NotImplementedException();
}
