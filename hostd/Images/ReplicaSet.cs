using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// An <see cref="IBlockSource"/> over an ordered list of replicas of one image. Reads go to the primary; a failing
/// replica is retried with exponential backoff (bounded tries), then the read fails over to the next replica, which
/// becomes primary. A caller sees an error only when no replica can serve. <see cref="SwitchTo(string)"/> changes the
/// primary live: new reads go to the new one while reads in flight finish where they are — the "VM re-direction"
/// of background deployment, done without touching the VM.
/// </summary>
public sealed class ReplicaSet : IBlockSource
{
    private readonly ReplicaSetOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _lifetime = new();
    private Replica[] _replicas;
    private int _primary;

    private ReplicaSet(IEnumerable<ReplicaSource> sources, ReplicaSetOptions options, ILogger logger)
    {
        _replicas = [.. sources.Select(s => new Replica(s))];
        _options = options;
        _logger = logger;
    }

    /// <summary>The primary's name.</summary>
    public string Name => Volatile.Read(ref _replicas)[Volatile.Read(ref _primary)].Source.Name;

    /// <inheritdoc/>
    public long Size { get; private set; }

    /// <summary>Replica names in fail-over order.</summary>
    public IReadOnlyList<string> Replicas => [.. Volatile.Read(ref _replicas).Select(r => r.Source.Name)];

    /// <summary>Index of the primary in <see cref="Replicas"/>.</summary>
    public int PrimaryIndex => Volatile.Read(ref _primary);

    /// <summary>Makes a set and learns the image size from the first replica that answers (every replica's, with
    /// <see cref="ReplicaSetOptions.RequireSameSize"/>).</summary>
    /// <exception cref="IOException">No replica could be reached.</exception>
    /// <exception cref="InvalidDataException">Replicas disagree on the size (with <see cref="ReplicaSetOptions.RequireSameSize"/>).</exception>
    public static async Task<ReplicaSet> ConnectAsync(IEnumerable<ReplicaSource> sources, ReplicaSetOptions? options, ILogger? logger, CancellationToken cancellationToken)
    {
        var list = sources.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("a replica set needs at least one replica", nameof(sources));
        }

        var set = new ReplicaSet(list, options ?? new ReplicaSetOptions(), logger ?? NullLogger.Instance);

        try
        {
            return await set.LearnSizeAsync(cancellationToken);
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    /// <summary>Appends a replica (e.g. one background deployment just made); it serves after fail-over or a switch.</summary>
    public void Add(ReplicaSource source)
    {
        lock (_lock)
        {
            Volatile.Write(ref _replicas, [.. _replicas, new Replica(source)]);
        }

        ImagesLog.ReplicaAdded(_logger, source.Name);
    }

    /// <summary>Makes the replica named <paramref name="name"/> the primary.</summary>
    /// <exception cref="ArgumentException">No replica has that name.</exception>
    public void SwitchTo(string name)
    {
        var index = Array.FindIndex(Volatile.Read(ref _replicas), r => r.Source.Name == name);
        SwitchTo(index >= 0 ? index : throw new ArgumentException($"no replica named '{name}' (have: {string.Join(", ", Replicas)})", nameof(name)));
    }

    /// <summary>Makes replica <paramref name="index"/> the primary; reads in flight finish on the old one.</summary>
    public void SwitchTo(int index)
    {
        var replicas = Volatile.Read(ref _replicas);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, replicas.Length);
        var from = Interlocked.Exchange(ref _primary, index);
        if (from != index)
        {
            ImagesLog.Switched(_logger, replicas[from].Source.Name, replicas[index].Source.Name);
        }
    }

    /// <inheritdoc/>
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var replicas = Volatile.Read(ref _replicas);
        var start = Volatile.Read(ref _primary);
        Exception? last = null;
        for (var k = 0; k < replicas.Length; k++)
        {
            var index = (start + k) % replicas.Length;
            var replica = replicas[index];
            for (var attempt = 1; attempt <= _options.AttemptsPerReplica; attempt++)
            {
                IBlockSource? connection = null;
                try
                {
                    connection = await GetConnectionAsync(replica, cancellationToken);
                    await connection.ReadAsync(offset, destination, cancellationToken);
                    if (k > 0 && Interlocked.CompareExchange(ref _primary, index, start) == start)
                    {
                        ImagesLog.FailedOver(_logger, replicas[start].Source.Name, replica.Source.Name);
                    }

                    return;
                }
                catch (NbdErrorException ex) when (ex.Error == NbdError.Inval)
                {
                    // Out of range is the caller's mistake; no replica would answer differently.
                    throw;
                }
                catch (Exception ex) when (IsReplicaFailure(ex) && !cancellationToken.IsCancellationRequested)
                {
                    last = ex;
                    if (ex is not NbdErrorException)
                    {
                        Invalidate(replica, connection);
                    }

                    if (attempt < _options.AttemptsPerReplica)
                    {
                        var delay = Backoff(attempt);
                        ImagesLog.Retrying(_logger, replica.Source.Name, attempt, _options.AttemptsPerReplica, (int)delay.TotalMilliseconds, ex.Message);
                        await Task.Delay(delay, cancellationToken);
                    }
                }
            }
        }

        throw new IOException($"no replica could serve {offset}+{destination.Length} (tried {string.Join(", ", replicas.Select(r => r.Source.Name))}): {last?.Message}", last);
    }

    /// <summary>Closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        foreach (var replica in Volatile.Read(ref _replicas))
        {
            Task<IBlockSource>? connection;
            lock (replica.Lock)
            {
                connection = replica.Connection;
                replica.Connection = null;
            }

            if (connection is { IsCompletedSuccessfully: true })
            {
                await connection.Result.DisposeAsync();
            }
        }

        _lifetime.Dispose();
    }

    private async Task<ReplicaSet> LearnSizeAsync(CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var i = 0; i < _replicas.Length; i++)
        {
            try
            {
                var connection = await GetConnectionAsync(_replicas[i], cancellationToken);
                if (Size == 0)
                {
                    Size = connection.Size;
                    _primary = i;
                }
                else if (connection.Size != Size)
                {
                    throw new InvalidDataException($"replica {_replicas[i].Source.Name} is {connection.Size} bytes, {Name} is {Size}");
                }

                if (!_options.RequireSameSize)
                {
                    return this;
                }
            }
            catch (Exception ex) when (IsReplicaFailure(ex) && !_options.RequireSameSize)
            {
                last = ex;
            }
        }

        return Size > 0 ? this : throw new IOException($"no replica could be reached: {last?.Message}", last);
    }

    private static bool IsReplicaFailure(Exception ex)
        => ex is IOException or SocketException or NbdErrorException or TimeoutException or OperationCanceledException;

    private TimeSpan Backoff(int attempt)
        => TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks << Math.Min(attempt - 1, 20)));

    private Task<IBlockSource> GetConnectionAsync(Replica replica, CancellationToken cancellationToken)
    {
        Task<IBlockSource> connection;
        lock (replica.Lock)
        {
            if (replica.Connection is null || replica.Connection.IsFaulted || replica.Connection.IsCanceled)
            {
                replica.Connection = replica.Source.ConnectAsync(_lifetime.Token);
            }

            connection = replica.Connection;
        }

        return connection.WaitAsync(cancellationToken);
    }

    /// <summary>Drops a broken connection so the next read reconnects; other readers' failures on it are harmless.</summary>
    private void Invalidate(Replica replica, IBlockSource? broken)
    {
        if (broken is null)
        {
            return;
        }

        lock (replica.Lock)
        {
            if (replica.Connection is { IsCompletedSuccessfully: true } current && ReferenceEquals(current.Result, broken))
            {
                replica.Connection = null;
            }
        }

        _ = broken.DisposeAsync().AsTask().ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private sealed class Replica(ReplicaSource source)
    {
        public ReplicaSource Source { get; } = source;

        public Lock Lock { get; } = new();

        public Task<IBlockSource>? Connection { get; set; }
    }
}
