using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// A client of one block server with a small pool of authenticated connections. Network failures become
/// <see cref="BlockServerUnavailableException"/>; after one, the client reports the server down at once
/// for the rest of its life, so one dead server costs one connect timeout, not one per combination.
/// </summary>
public sealed class BlockClient : IAsyncDisposable
{
    /// <summary>Connections kept per server.</summary>
    public const int DefaultConnections = 4;

    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(60);

    private readonly EndPoint _endPoint;
    private readonly byte[] _token;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<BlockConnection> _idle = [];
    private volatile string? _downReason;

    public BlockClient(string name, EndPoint endPoint, string token, int connections = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(token);
        Name = name;
        _endPoint = endPoint;
        _token = Encoding.UTF8.GetBytes(token);
        _slots = new SemaphoreSlim(connections, connections);
    }

    /// <summary>The server's name in the fog's catalog.</summary>
    public string Name { get; }

    /// <summary>Why the server is considered down, or null.</summary>
    public string? DownReason => _downReason;

    /// <summary>Stores an object.</summary>
    public async Task PutAsync(string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var (status, _) = await CallAsync(BlockOp.Put, id, data, Memory<byte>.Empty, cancellationToken);
        if (status != BlockStatus.Ok)
        {
            throw new BlockProtocolException($"block server {Name} answered {status} to a put");
        }
    }

    /// <summary>Reads an object into <paramref name="destination"/>; returns its length, or -1 when the server does not have it.</summary>
    public async Task<int> GetAsync(string id, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var (status, length) = await CallAsync(BlockOp.Get, id, ReadOnlyMemory<byte>.Empty, destination, cancellationToken);
        return status switch
        {
            BlockStatus.Ok => length,
            BlockStatus.NotFound => -1,
            _ => throw new BlockProtocolException($"block server {Name} answered {status} to a get"),
        };
    }

    /// <summary>Removes an object (no error if absent).</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
        => await CallAsync(BlockOp.Delete, id, ReadOnlyMemory<byte>.Empty, Memory<byte>.Empty, cancellationToken);

    /// <summary>How many objects this peer keeps there and their size.</summary>
    public async Task<(long Count, long Bytes)> StatsAsync(CancellationToken cancellationToken)
    {
        var answer = new byte[2 * sizeof(long)];
        await CallAsync(BlockOp.Stats, string.Empty, ReadOnlyMemory<byte>.Empty, answer, cancellationToken);
        return (BinaryPrimitives.ReadInt64BigEndian(answer), BinaryPrimitives.ReadInt64BigEndian(answer.AsSpan(sizeof(long))));
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var connection))
        {
            await connection.DisposeAsync();
        }

        _slots.Dispose();
    }

    private async Task<(BlockStatus Status, int Length)> CallAsync(BlockOp op, string id, ReadOnlyMemory<byte> payload, Memory<byte> answer, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        await _slots.WaitAsync(cancellationToken);
        BlockConnection? connection = null;
        try
        {
            ThrowIfDown();
            if (!_idle.TryTake(out connection))
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connect.CancelAfter(s_connectTimeout);
                connection = await BlockConnection.OpenAsync(_endPoint, _token, connect.Token);
            }

            using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            request.CancelAfter(s_requestTimeout);
            var result = await connection.SendAsync(op, id, payload, answer, request.Token);
            _idle.Add(connection);
            connection = null;
            return result;
        }
        catch (Exception ex) when (ex is SocketException or IOException or EndOfStreamException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _downReason ??= ex is OperationCanceledException ? "timed out" : ex.Message;
            throw new BlockServerUnavailableException($"block server {Name} ({_endPoint}) is unavailable: {_downReason}", ex);
        }
        catch (BlockServerDeniedException ex)
        {
            _downReason ??= ex.Message;
            throw;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            _slots.Release();
        }
    }

    private void ThrowIfDown()
    {
        if (_downReason is { } reason)
        {
            throw new BlockServerUnavailableException($"block server {Name} ({_endPoint}) is unavailable: {reason}");
        }
    }
}
