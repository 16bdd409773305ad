using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Shared.Sockets;

/// <summary>Creates bound, listening sockets for the project's servers (JSON-RPC, NBD).</summary>
public static class ListeningSockets
{
    /// <summary>
    /// Listens on a unix socket at <paramref name="path"/>; a stale socket file left by a crash is replaced
    /// (<paramref name="replacedStale"/>). <paramref name="socketMode"/> is set before listen(), so no client can
    /// connect while the socket still has the umask's permissions.
    /// </summary>
    /// <exception cref="IOException">Another process listens there, or the path is not a socket.</exception>
    public static Socket BindUnix(string path, UnixFileMode? socketMode, out bool replacedStale)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        replacedStale = UnixSocketFile.RemoveIfStale(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (socketMode is { } mode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, mode);
            }

            socket.Listen();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Listens on TCP (port 0 picks a free port; read it from <see cref="Socket.LocalEndPoint"/>).</summary>
    public static Socket BindTcp(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
