using System.Collections.Concurrent;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// JSON-RPC (StreamJsonRpc through <see cref="JsonRpcPeer"/>, our bounded framing) on cluster connections, both ways.
/// Served connections are swept like <see cref="JsonRpcServer"/>'s: a frame that takes longer than
/// <see cref="JsonRpcOptions.FrameTimeout"/> or a connection idle for <see cref="JsonRpcOptions.IdleTimeout"/> is closed.
/// </summary>
internal sealed class ClusterRpc : IAsyncDisposable
{
    private static readonly TimeSpan s_sweep = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<JsonRpcPeer, JsonRpcOptions> _served = new();
    private readonly ILoggerFactory _loggers;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweepLoop;

    public ClusterRpc(ILoggerFactory loggers)
    {
        _loggers = loggers;
        _sweepLoop = Task.Run(SweepLoopAsync);
    }

    /// <summary>Options of the mutual-TLS connections between hosts and the manager.</summary>
    public static JsonRpcOptions HostOptions { get; } = new()
    {
        MaxMessageBytes = ClusterLimits.MaxRpcMessageBytes,
        MaxConcurrentRequests = 64,
        FrameTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>Options of anonymous join connections: small messages, short patience.</summary>
    public static JsonRpcOptions JoinOptions { get; } = new()
    {
        MaxHeaderBytes = 1024,
        MaxMessageBytes = ClusterLimits.MaxJoinMessageBytes,
        MaxConcurrentRequests = 4,
        FrameTimeout = TimeSpan.FromSeconds(10),
        IdleTimeout = ClusterLimits.JoinIdleTimeout,
    };

    /// <summary>Serves JSON-RPC on <paramref name="connection"/> until either side closes it.</summary>
    public async Task ServeAsync(ClusterConnection connection, JsonRpcOptions options, Action<JsonRpcPeer> configure, CancellationToken cancellationToken)
    {
        var peer = JsonRpcPeer.Create(connection.Stream, options, _loggers.CreateLogger<JsonRpcPeer>());
        _served[peer] = options;
        try
        {
            configure(peer);
            peer.StartListening();
            using var registration = cancellationToken.Register(static state => ((JsonRpcPeer)state!).Dispose(), peer);
            await Task.WhenAny(peer.Completion, connection.Closed);
        }
        finally
        {
            _served.TryRemove(peer, out _);
            await peer.DisposeAsync();
        }
    }

    /// <summary>A JSON-RPC client on an outgoing connection, listening; disposing the peer closes the connection.</summary>
    public JsonRpcPeer Connect(ClusterConnection connection, Action<JsonRpcPeer>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var peer = JsonRpcPeer.Create(connection.Stream, HostOptions, _loggers.CreateLogger<JsonRpcPeer>());
        configure?.Invoke(peer);
        peer.Disconnected += (_, _) => _ = connection.DisposeAsync().AsTask();
        _ = connection.Closed.ContinueWith(_ => peer.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        peer.StartListening();
        return peer;
    }

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(s_sweep);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                foreach (var (peer, options) in _served)
                {
                    if (peer.Handler.FrameOverdue(now, options.FrameTimeout) || peer.Handler.Idle(now, options.IdleTimeout))
                    {
                        peer.Dispose();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _sweepLoop;
        foreach (var peer in _served.Keys)
        {
            peer.Dispose();
        }

        _stopping.Dispose();
    }
}
