using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Accepts connections on a TCP or unix-socket listener (through the shared <see cref="SocketAcceptLoop"/>) and
/// gives each its own <see cref="JsonRpcPeer"/>, configured by the caller and started. Caps concurrent connections,
/// checks unix-socket peers' credentials, and closes connections whose sender stalls mid-frame or that sit idle.
/// </summary>
public sealed class JsonRpcServer : IAsyncDisposable
{
    /// <summary>Bounds on how often the slow-sender and idle checks run.</summary>
    private static readonly TimeSpan s_minSweep = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maxSweep = TimeSpan.FromSeconds(1);
    private const int SweepsPerTimeout = 4;

    private readonly Socket _listener;
    private readonly Action<JsonRpcPeer> _configure;
    private readonly JsonRpcOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly string? _unixPath;
    private readonly ConcurrentDictionary<JsonRpcPeer, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly Task _sweepLoop;
    private int _count;
    private long _refused;

    private JsonRpcServer(Socket listener, string? unixPath, Action<JsonRpcPeer> configure, JsonRpcOptions? options, ILoggerFactory? loggerFactory)
    {
        _listener = listener;
        _unixPath = unixPath;
        _configure = configure;
        _options = options ?? new JsonRpcOptions();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<JsonRpcServer>();
        LocalEndPoint = listener.LocalEndPoint!;
        JsonRpcLog.Listening(_logger, LocalEndPoint.ToString() ?? unixPath ?? "?");
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _sweepLoop = Task.Run(SweepLoopAsync);
    }

    /// <summary>The bound address (the real port when listening on port 0).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => Volatile.Read(ref _count);

    /// <summary>Connections closed at accept: over <see cref="JsonRpcOptions.MaxConnections"/> or refused by the peer policy.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>Listens on TCP. <paramref name="configure"/> adds targets to each new connection before it starts.</summary>
    public static JsonRpcServer ListenTcp(IPEndPoint endPoint, Action<JsonRpcPeer> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var socket = ListeningSockets.BindTcp(endPoint);
        return new JsonRpcServer(socket, null, configure, options, loggerFactory);
    }

    /// <summary>Listens on a unix socket at <paramref name="path"/> (a stale socket file is replaced).</summary>
    /// <exception cref="IOException">Another process is listening at <paramref name="path"/>, or it is not a socket.</exception>
    public static JsonRpcServer ListenUnix(string path, Action<JsonRpcPeer> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
        => ListenUnix(path, socketMode: null, configure, options, loggerFactory);

    /// <summary>
    /// Listens on a unix socket whose file gets <paramref name="socketMode"/> (e.g. owner and group read/write only).
    /// The mode is set before listen(), so no client can connect while the socket still has the umask's permissions.
    /// </summary>
    public static JsonRpcServer ListenUnix(string path, UnixFileMode? socketMode, Action<JsonRpcPeer> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var socket = ListeningSockets.BindUnix(path, socketMode, out var replaced);
        var server = new JsonRpcServer(socket, path, configure, options, loggerFactory);
        if (replaced)
        {
            JsonRpcLog.StaleSocketReplaced(server._logger, path);
        }

        return server;
    }

    /// <summary>
    /// Serves on a socket that is already bound and listening (e.g. one passed by systemd socket activation).
    /// The server takes ownership of the socket but never deletes its file.
    /// </summary>
    public static JsonRpcServer Listen(Socket listeningSocket, Action<JsonRpcPeer> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(listeningSocket);
        ArgumentNullException.ThrowIfNull(configure);
        return new JsonRpcServer(listeningSocket, unixPath: null, configure, options, loggerFactory);
    }

    /// <summary>Stops accepting and closes every open connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        await _sweepLoop;
        foreach (var peer in _connections.Keys)
        {
            peer.Dispose();
        }

        await Task.WhenAll(_connections.Keys.Select(peer => peer.Completion.ContinueWith(static _ => { }, TaskScheduler.Default)));
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }

        _stopping.Dispose();
    }

    private Task AcceptLoopAsync()
        => SocketAcceptLoop.RunAsync(_listener, Start, ex => JsonRpcLog.AcceptFailed(_logger, ex), _stopping.Token);

    private void Start(Socket socket)
    {
        if (Interlocked.Increment(ref _count) > _options.MaxConnections)
        {
            Refuse(socket);
            JsonRpcLog.TooManyConnections(_logger, _options.MaxConnections);
            return;
        }

        PeerCredentials? credentials = null;
        try
        {
            if (socket.AddressFamily == AddressFamily.Unix)
            {
                credentials = PeerCredentials.Read(socket);
                if (_options.PeerPolicy is { } policy && (credentials is not { } peer || !policy.Allows(peer)))
                {
                    Refuse(socket);
                    JsonRpcLog.PeerRefused(_logger, credentials?.ToString() ?? "unknown peer");
                    return;
                }
            }
            else
            {
                socket.NoDelay = true;
            }
        }
        catch (Exception ex)
        {
            // A peer that reset before we looked at it, or a user/group lookup that failed: refuse this one
            // connection. Letting it escape would end the shared accept loop, and with it the listener.
            Refuse(socket);
            JsonRpcLog.ConfigureFailed(_logger, ex);
            return;
        }

        JsonRpcPeer? connection = null;
        try
        {
            connection = JsonRpcPeer.Create(new NetworkStream(socket, ownsSocket: true), _options, _loggerFactory.CreateLogger<JsonRpcPeer>(), credentials);
            _configure(connection);
            _connections.TryAdd(connection, 0);
            connection.StartListening();
        }
        catch (Exception ex)
        {
            // The caller's setup threw: this connection cannot serve anything, but the server goes on.
            JsonRpcLog.ConfigureFailed(_logger, ex);
            if (connection is null)
            {
                socket.Dispose();
            }
            else
            {
                _connections.TryRemove(connection, out _);
                connection.Dispose();
            }

            Interlocked.Decrement(ref _count);
            return;
        }

        connection.Disconnected += OnDisconnected;
    }

    private void OnDisconnected(object? sender, JsonRpcDisconnectedEventArgs e)
    {
        var connection = (JsonRpcPeer)sender!;
        if (_connections.TryRemove(connection, out _))
        {
            Interlocked.Decrement(ref _count);
        }

        connection.Dispose();
    }

    private void Refuse(Socket socket)
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Decrement(ref _count);
        socket.Dispose();
    }

    private async Task SweepLoopAsync()
    {
        var shortest = _options.FrameTimeout < _options.IdleTimeout ? _options.FrameTimeout : _options.IdleTimeout;
        var period = Clamp(shortest / SweepsPerTimeout, s_minSweep, s_maxSweep);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                foreach (var connection in _connections.Keys)
                {
                    if (connection.Handler.FrameOverdue(now, _options.FrameTimeout))
                    {
                        JsonRpcLog.SlowSender(_logger, _options.FrameTimeout.TotalSeconds);
                        connection.Dispose();
                    }
                    else if (connection.Handler.Idle(now, _options.IdleTimeout))
                    {
                        JsonRpcLog.IdleClosed(_logger, _options.IdleTimeout.TotalSeconds);
                        connection.Dispose();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
