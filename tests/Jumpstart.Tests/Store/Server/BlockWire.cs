using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Tests.Store.Server;

/// <summary>
/// A raw block-protocol peer for the server tests: it sends exactly what it is told (a header claiming any length,
/// a request before Hello, nothing at all) and reads one answer, so a test sees what the server does on the wire.
/// </summary>
internal static class BlockWire
{
    /// <summary>Connects to <paramref name="server"/>, from <paramref name="source"/> when given (any 127/8 address is loopback).</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress? source, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(server, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A request header claiming <paramref name="claimedPayload"/> bytes, followed by the id.</summary>
    public static byte[] Request(BlockOp op, string id, int claimedPayload)
    {
        var idBytes = Encoding.ASCII.GetBytes(id);
        var request = new byte[BlockProtocol.HeaderLength + idBytes.Length];
        BlockProtocol.WriteRequestHeader(request, op, idBytes.Length, claimedPayload);
        idBytes.CopyTo(request, BlockProtocol.HeaderLength);
        return request;
    }

    /// <summary>
    /// Connects like <see cref="ConnectAsync"/>; null when the server reset the connection before the connect completed
    /// (it accepted and closed it at once, as it does to a stranger evicted by a newer connection).
    /// </summary>
    public static async Task<Socket?> TryConnectAsync(IPEndPoint server, IPAddress? source, CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(server, source, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return null;
        }
    }

    /// <summary>Sends a whole request and reads its answer; null when the server closed or reset the connection instead.</summary>
    public static async Task<(BlockStatus Status, byte[] Payload)?> CallAsync(Socket socket, BlockOp op, string id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(Request(op, id, payload.Length), cancellationToken);
            if (!payload.IsEmpty)
            {
                await socket.SendAsync(payload, cancellationToken);
            }
        }
        catch (SocketException)
        {
            // Closed or reset while sending: an answer sent before may still be there to read.
        }

        return await ReadAnswerAsync(socket, cancellationToken);
    }

    /// <summary>Says Hello with <paramref name="token"/>; null when the server closed the connection without an answer.</summary>
    public static async Task<BlockStatus?> HelloAsync(Socket socket, string token, CancellationToken cancellationToken)
        => (await CallAsync(socket, BlockOp.Hello, string.Empty, Encoding.UTF8.GetBytes(token), cancellationToken))?.Status;

    /// <summary>Reads one answer; null when the connection ends (closed or reset) before a whole answer came.</summary>
    public static async Task<(BlockStatus Status, byte[] Payload)?> ReadAnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            var header = new byte[BlockProtocol.HeaderLength];
            if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken) < header.Length)
            {
                return null;
            }

            var (status, length) = BlockProtocol.ParseResponseHeader(header);
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken);
            return (status, payload);
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>Whether the server has closed <paramref name="socket"/> (a read sees the end or a reset) within <paramref name="bound"/>.</summary>
    public static async Task<bool> IsClosedByServerAsync(Socket socket, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            var buffer = new byte[1];
            return await socket.ReceiveAsync(buffer, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A well-formed object id (lowercase hex) for request <paramref name="n"/>.</summary>
    public static string ObjectId(int n) => n.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>
    /// Connections waiting in the accept queue of the loopback listener on <paramref name="port"/> (the rx_queue of its
    /// LISTEN line in /proc/net/tcp): 0 once the server has accepted everything that connected.
    /// </summary>
    public static int AcceptBacklog(int port)
    {
        var localPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1].EndsWith(localPort, StringComparison.Ordinal) && fields[3] == "0A")
            {
                return int.Parse(fields[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no listener on port {port} in /proc/net/tcp");
    }
}
