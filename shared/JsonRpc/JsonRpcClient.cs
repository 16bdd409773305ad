using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Opens client connections.</summary>
public static class JsonRpcClient
{
    /// <summary>
    /// Connects to a <see cref="IPEndPoint"/>, <see cref="DnsEndPoint"/> or <see cref="UnixDomainSocketEndPoint"/>;
    /// <paramref name="configure"/> may add local methods (for server-to-client calls and notifications) before
    /// listening starts.
    /// </summary>
    /// <exception cref="SocketException">Nothing listens at <paramref name="endPoint"/>.</exception>
    public static async Task<JsonRpcPeer> ConnectAsync(
        EndPoint endPoint,
        Action<JsonRpcPeer>? configure = null,
        JsonRpcOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = endPoint switch
        {
            UnixDomainSocketEndPoint => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
            IPEndPoint ip => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },

            // Dual-mode: a host name may resolve to IPv4 or IPv6.
            _ => new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },
        };

        JsonRpcPeer? peer = null;
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            peer = JsonRpcPeer.Create(new NetworkStream(socket, ownsSocket: true), options, logger);
            configure?.Invoke(peer);
            peer.StartListening();
            return peer;
        }
        catch
        {
            if (peer is not null)
            {
                peer.Dispose();
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }
}
