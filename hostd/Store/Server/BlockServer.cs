using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// Stores and serves XOR combinations for peer hosts over the block protocol (<see cref="BlockProtocol"/>).
/// Runs in <c>jumpstart store serve</c> or inside jumpstart-hostd; tests start it in-process too.
/// </summary>
public sealed class BlockServer : IAsyncDisposable
{
    private readonly BlockServerOptions _options;
    private readonly BlockRepository _repository;
    private readonly TcpListener _listener;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly SemaphoreSlim _connections;
    private readonly Task _acceptLoop;
    private int _active;

    private BlockServer(BlockServerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        _options = options;
        _logger = logger;
        _repository = new BlockRepository(options.Directory);
        _connections = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _listener = new TcpListener(options.Listen);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        StoreLog.Listening(logger, EndPoint.ToString(), options.Peers.Count, options.Directory);
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The storage, e.g. for a test that corrupts an object.</summary>
    public BlockRepository Repository => _repository;

    public static BlockServer Start(BlockServerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new BlockServer(options, loggerFactory.CreateLogger<BlockServer>(), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        // Wait (bounded) for running requests so a stop never cuts a put between write and rename.
        for (var i = 0; i < 100 && Volatile.Read(ref _active) > 0; i++)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        StoreLog.Stopped(_logger);
        _stop.Dispose();
    }

    // The shared loop keeps accepting after a transient failure (EMFILE, ECONNABORTED); it ends only on stop.
    private Task AcceptLoopAsync(CancellationToken cancellationToken)
        => SocketAcceptLoop.RunAsync(_listener.Server, socket => Accept(socket, cancellationToken), ex => StoreLog.AcceptFailed(_logger, ex), cancellationToken);

    private void Accept(Socket socket, CancellationToken cancellationToken)
    {
        if (!_connections.Wait(0, CancellationToken.None))
        {
            StoreLog.Refused(_logger, socket.RemoteEndPoint?.ToString() ?? "?", $"more than {_options.MaxConnections} connections");
            socket.Dispose();
            return;
        }

        _ = Task.Run(() => ServeConnectionAsync(socket, cancellationToken), CancellationToken.None);
    }

    private async Task ServeConnectionAsync(Socket socket, CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        socket.NoDelay = true;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            string? peer = null;
            var header = new byte[BlockProtocol.HeaderLength];
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.IdleTimeout);
                if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, idle.Token) == 0)
                {
                    return;
                }

                Interlocked.Increment(ref _active);
                try
                {
                    peer = await ServeRequestAsync(stream, header, peer, remote, idle.Token);
                }
                finally
                {
                    Interlocked.Decrement(ref _active);
                }

                if (peer is null)
                {
                    return;
                }
            }
        }
        catch (BlockProtocolException ex)
        {
            StoreLog.Refused(_logger, remote, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or EndOfStreamException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                StoreLog.ConnectionFailed(_logger, remote, ex.Message);
            }
        }
        finally
        {
            _connections.Release();
        }
    }

    /// <summary>Serves one request; returns the authenticated peer, or null to close the connection.</summary>
    private async Task<string?> ServeRequestAsync(NetworkStream stream, byte[] header, string? peer, string remote, CancellationToken cancellationToken)
    {
        BlockOp op;
        int idLength, payloadLength;
        try
        {
            (op, idLength, payloadLength) = BlockProtocol.ParseRequestHeader(header);
        }
        catch (BlockProtocolException ex)
        {
            StoreLog.Refused(_logger, remote, ex.Message);
            await RespondAsync(stream, BlockStatus.BadRequest, Encoding.UTF8.GetBytes(ex.Message), cancellationToken);
            return null;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, idLength + payloadLength));
        try
        {
            var body = rented.AsMemory(0, idLength + payloadLength);
            await stream.ReadExactlyAsync(body, cancellationToken);
            var id = Encoding.ASCII.GetString(body.Span[..idLength]);
            var payload = body[idLength..];
            if (peer is null)
            {
                peer = op == BlockOp.Hello ? _options.Peers.Authenticate(payload.Span) : null;
                if (peer is null)
                {
                    StoreLog.Refused(_logger, remote, op == BlockOp.Hello ? "wrong token" : $"{op} before Hello");
                    await RespondAsync(stream, BlockStatus.Denied, "denied"u8.ToArray(), cancellationToken);
                    return null;
                }

                await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
                return peer;
            }

            if (op is BlockOp.Put or BlockOp.Get or BlockOp.Delete && !BlockProtocol.IsValidId(id))
            {
                StoreLog.Refused(_logger, remote, "malformed object id");
                await RespondAsync(stream, BlockStatus.BadRequest, "malformed object id"u8.ToArray(), cancellationToken);
                return null;
            }

            await ServeAuthenticatedAsync(stream, peer, op, id, payload, cancellationToken);
            return peer;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task ServeAuthenticatedAsync(NetworkStream stream, string peer, BlockOp op, string id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        switch (op)
        {
            case BlockOp.Hello:
                await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
                break;
            case BlockOp.Put:
                try
                {
                    await _repository.PutAsync(peer, id, payload, cancellationToken);
                }
                catch (IOException ex)
                {
                    StoreLog.PutFailed(_logger, peer, id, ex);
                    var reason = Encoding.UTF8.GetBytes(ex.Message);
                    await RespondAsync(stream, BlockStatus.Failed, reason.AsMemory(0, Math.Min(reason.Length, BlockProtocol.MaxReasonLength)), cancellationToken);
                    break;
                }

                await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
                break;
            case BlockOp.Get:
                var buffer = ArrayPool<byte>.Shared.Rent(StoreLimits.MaxBlockSize);
                try
                {
                    var length = await _repository.ReadAsync(peer, id, buffer, cancellationToken);
                    await RespondAsync(stream, length < 0 ? BlockStatus.NotFound : BlockStatus.Ok, buffer.AsMemory(0, Math.Max(length, 0)), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                break;
            case BlockOp.Delete:
                _repository.Delete(peer, id);
                await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, cancellationToken);
                break;
            case BlockOp.Stats:
                var (count, bytes) = _repository.Stats(peer);
                var answer = new byte[2 * sizeof(long)];
                BinaryPrimitives.WriteInt64BigEndian(answer, count);
                BinaryPrimitives.WriteInt64BigEndian(answer.AsSpan(sizeof(long)), bytes);
                await RespondAsync(stream, BlockStatus.Ok, answer, cancellationToken);
                break;
        }
    }

    private static async Task RespondAsync(NetworkStream stream, BlockStatus status, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[BlockProtocol.HeaderLength];
        BlockProtocol.WriteResponseHeader(header, status, payload.Length);
        await stream.WriteAsync(header, cancellationToken);
        if (!payload.IsEmpty)
        {
            await stream.WriteAsync(payload, cancellationToken);
        }
    }
}
