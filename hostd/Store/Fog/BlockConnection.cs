using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>One authenticated connection to a block server; one request at a time.</summary>
internal sealed class BlockConnection : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly byte[] _header = new byte[BlockProtocol.HeaderLength];

    private BlockConnection(NetworkStream stream)
    {
        _stream = stream;
    }

    /// <summary>Connects and says Hello with <paramref name="token"/>.</summary>
    /// <exception cref="BlockServerDeniedException">The server refused the token.</exception>
    public static async Task<BlockConnection> OpenAsync(EndPoint endPoint, byte[] token, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new BlockConnection(new NetworkStream(socket, ownsSocket: true));
        try
        {
            var (status, _) = await connection.SendAsync(BlockOp.Hello, string.Empty, token, Memory<byte>.Empty, cancellationToken);
            if (status != BlockStatus.Ok)
            {
                throw new BlockServerDeniedException($"block server {endPoint} refused the token ({status})");
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a request and reads the answer's payload into <paramref name="answer"/> (when Ok).</summary>
    /// <returns>The status and the length of the answer's payload.</returns>
    public async Task<(BlockStatus Status, int Length)> SendAsync(BlockOp op, string id, ReadOnlyMemory<byte> payload, Memory<byte> answer, CancellationToken cancellationToken)
    {
        var idBytes = Encoding.ASCII.GetBytes(id);
        BlockProtocol.WriteRequestHeader(_header, op, idBytes.Length, payload.Length);
        await _stream.WriteAsync(_header, cancellationToken);
        if (idBytes.Length > 0)
        {
            await _stream.WriteAsync(idBytes, cancellationToken);
        }

        if (!payload.IsEmpty)
        {
            await _stream.WriteAsync(payload, cancellationToken);
        }

        await _stream.ReadExactlyAsync(_header, cancellationToken);
        var (status, length) = BlockProtocol.ParseResponseHeader(_header);
        if (status == BlockStatus.Ok)
        {
            if (length > answer.Length)
            {
                throw new BlockProtocolException($"answer of {length} bytes where at most {answer.Length} were expected");
            }

            await _stream.ReadExactlyAsync(answer[..length], cancellationToken);
        }
        else if (length > 0)
        {
            var reason = new byte[length];
            await _stream.ReadExactlyAsync(reason, cancellationToken);
            if (status == BlockStatus.Failed)
            {
                throw new IOException("block server failed: " + Encoding.UTF8.GetString(reason));
            }
        }

        return (status, length);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
