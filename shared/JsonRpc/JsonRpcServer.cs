using System.Net;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Accepts connections on a TCP or unix-socket listener and hands each one, configured by the
/// caller and started, to its own <see cref="JsonRpcConnection"/>.
/// </summary>
/// <remarks>STUB CONTRACT: signatures agreed; implementation lands with the JSON-RPC work.</remarks>
public sealed class JsonRpcServer : IAsyncDisposable
{
    private JsonRpcServer()
    {
    }

    /// <summary>The bound address (the real port when listening on port 0).</summary>
    public EndPoint LocalEndPoint => throw new NotImplementedException();

    /// <summary>Listens on TCP. <paramref name="configure"/> adds targets to each new connection before it starts.</summary>
    public static JsonRpcServer ListenTcp(IPEndPoint endPoint, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
        => throw new NotImplementedException();

    /// <summary>Listens on a unix socket at <paramref name="path"/> (a stale socket file is replaced).</summary>
    public static JsonRpcServer ListenUnix(string path, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
        => throw new NotImplementedException();

    /// <summary>Stops accepting and closes every open connection gracefully.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
