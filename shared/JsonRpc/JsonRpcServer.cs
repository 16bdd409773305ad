using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.JsonRpc.Framing;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Accepts connections on a TCP or unix-socket listener (through the shared <see cref="SocketAcceptLoop"/>) and
/// gives each its own <see cref="JsonRpcPeer"/>, configured by the caller and started. Caps concurrent connections (its
/// own cap and the process's descriptor budget, <see cref="ConnectionLimiter"/>), bounds the large bodies its connections
/// buffer together (<see cref="LargeMessageBudget"/>), checks unix-socket peers' credentials, and closes connections
/// that send no first frame in time, whose sender stalls mid-frame, or that sit idle.
/// </summary>
public sealed class JsonRpcServer : IAsyncDisposable
{
    /// <summary>Bounds on how often the slow-sender and idle checks run.</summary>
    private static readonly TimeSpan s_minSweep = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maxSweep = TimeSpan.FromSeconds(1);
    private const int SweepsPerTimeout = 4;

    /// <summary>At most one warning per interval for each kind of refusal or cut; the others are counted.</summary>
    private static readonly TimeSpan s_logInterval = TimeSpan.FromSeconds(10);

    /// <summary>Buffered bytes left behind (see <see cref="ReclaimIfWorthIt"/>) that make a collection worth its pause.</summary>
    private const long ReclaimAfterBytes = 16L * 1024 * 1024;

    /// <summary>At most one collection per interval, so peers cannot make the server collect all the time.</summary>
    private static readonly TimeSpan s_reclaimInterval = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Action<JsonRpcPeer> _configure;
    private readonly JsonRpcOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly string? _unixPath;
    private readonly ConcurrentDictionary<JsonRpcPeer, byte> _connections = new();
    private readonly ConnectionLimiter _limiter;
    private readonly LargeMessageBudget? _largeMessages;
    private readonly LogThrottle _refusalLog = new(s_logInterval);
    private readonly LogThrottle _slowLog = new(s_logInterval);
    private readonly LogThrottle _silentLog = new(s_logInterval);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly Task _sweepLoop;
    private long _refused;
    private long _droppedBytes;
    private long _largeReleasedAtReclaim;
    private long _lastReclaimAt = Environment.TickCount64;

    private JsonRpcServer(Socket listener, string? unixPath, Action<JsonRpcPeer> configure, JsonRpcOptions? options, ILoggerFactory? loggerFactory)
    {
        _listener = listener;
        _unixPath = unixPath;
        _configure = configure;
        _options = options ?? new JsonRpcOptions();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<JsonRpcServer>();
        _limiter = new ConnectionLimiter(_options.MaxConnections, _options.ConnectionBudget, _options.Administrative);
        if (_options.MaxLargeMessageBytes > _options.MaxMessageBytes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(_options.LargeMessageBudgetBytes, _options.MaxLargeMessageBytes, nameof(JsonRpcOptions.LargeMessageBudgetBytes));
            _largeMessages = new LargeMessageBudget(_options.LargeMessageBudgetBytes);
        }

        LocalEndPoint = listener.LocalEndPoint!;
        JsonRpcLog.Listening(_logger, LocalEndPoint.ToString() ?? unixPath ?? "?", _limiter.ToString());
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _sweepLoop = Task.Run(SweepLoopAsync);
    }

    /// <summary>The bound address (the real port when listening on port 0).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _limiter.Count;

    /// <summary>The most connections this listener serves at once (<see cref="JsonRpcOptions.MaxConnections"/>, or less when descriptors are short).</summary>
    public int ConnectionCap => _limiter.Cap;

    /// <summary>Bytes of large bodies (over <see cref="JsonRpcOptions.MaxMessageBytes"/>) the connections hold now.</summary>
    public long LargeMessageBytesBuffered => _largeMessages?.InUseBytes ?? 0;

    /// <summary>
    /// Connections closed at accept: over <see cref="ConnectionCap"/>, no descriptor to spare in the process, or refused
    /// by the peer policy.
    /// </summary>
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

    // Only the error's message: formatting the exception's stack trace may load assemblies, which needs descriptors
    // (EMFILE is one of the failures reported here).
    private Task AcceptLoopAsync()
        => SocketAcceptLoop.RunAsync(_listener, Start, (ex, heldBack) => JsonRpcLog.AcceptFailed(_logger, ex.SocketErrorCode.ToString(), ex.Message, heldBack), _stopping.Token);

    private void Start(Socket socket)
    {
        if (!_limiter.TryAdmit(out var refusal))
        {
            Refuse(socket);
            if (_refusalLog.TryEnter(out var heldBack))
            {
                JsonRpcLog.TooManyConnections(_logger, refusal, heldBack);
            }

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
                    _limiter.Release();
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
            _limiter.Release();
            Refuse(socket);
            JsonRpcLog.ConfigureFailed(_logger, ex);
            return;
        }

        JsonRpcPeer? connection = null;
        try
        {
            connection = JsonRpcPeer.Create(new NetworkStream(socket, ownsSocket: true), _options, _loggerFactory.CreateLogger<JsonRpcPeer>(), credentials);
            if (_largeMessages is not null)
            {
                connection.Handler.UseLargeMessageBudget(_largeMessages);
            }

            // Tracked and watched before it can fail or end, so its place is given back exactly once (Forget).
            _connections.TryAdd(connection, 0);
            connection.Disconnected += OnDisconnected;
            _configure(connection);
            connection.StartListening();
        }
        catch (Exception ex)
        {
            // The caller's setup threw: this connection cannot serve anything, but the server goes on.
            JsonRpcLog.ConfigureFailed(_logger, ex);
            if (connection is null)
            {
                socket.Dispose();
                _limiter.Release();
            }
            else
            {
                Forget(connection);
                connection.Dispose();
            }
        }
    }

    private void OnDisconnected(object? sender, JsonRpcDisconnectedEventArgs e)
    {
        var connection = (JsonRpcPeer)sender!;
        Forget(connection);
        connection.Dispose();
    }

    /// <summary>Gives back a tracked connection's place, descriptor and budget; only the first call for it does anything.</summary>
    private void Forget(JsonRpcPeer connection)
    {
        if (_connections.TryRemove(connection, out _))
        {
            Interlocked.Add(ref _droppedBytes, connection.Handler.BufferedBytes);
            connection.Handler.ReleaseBudgets();
            _limiter.Release();
        }
    }

    /// <summary>Closes a connection that was not admitted (or whose admission the caller already released).</summary>
    private void Refuse(Socket socket)
    {
        Interlocked.Increment(ref _refused);
        socket.Dispose();
    }

    private async Task SweepLoopAsync()
    {
        var shortest = _options.FrameTimeout < _options.IdleTimeout ? _options.FrameTimeout : _options.IdleTimeout;
        if (_options.FirstFrameTimeout is { } first && first < shortest)
        {
            shortest = first;
        }

        var period = Clamp(shortest / SweepsPerTimeout, s_minSweep, s_maxSweep);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                ReclaimIfWorthIt(now);
                foreach (var connection in _connections.Keys)
                {
                    if (connection.Handler.FrameOverdue(now, _options.FrameTimeout))
                    {
                        if (_slowLog.TryEnter(out var heldBack))
                        {
                            JsonRpcLog.SlowSender(_logger, _options.FrameTimeout.TotalSeconds, heldBack);
                        }

                        connection.Dispose();
                    }
                    else if (_options.FirstFrameTimeout is { } firstFrame && connection.Handler.FirstFrameOverdue(now, firstFrame))
                    {
                        if (_silentLog.TryEnter(out var heldBack))
                        {
                            JsonRpcLog.NoFirstFrame(_logger, firstFrame.TotalSeconds, heldBack);
                        }

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

    /// <summary>
    /// Returns the memory of frames peers left unfinished, and of large bodies, once enough of it is garbage. The pipe
    /// buffers a frame in pooled 4 KiB segments that the pool mostly drops when they come back; after an attack they are
    /// garbage in the oldest generation, and a daemon that then sits idle allocates too little for the GC ever to run:
    /// it would keep the attack's peak for good. So the sweep asks for one compacting collection that gives the memory
    /// back to the system, at most once per <see cref="s_reclaimInterval"/>.
    /// </summary>
    private void ReclaimIfWorthIt(long now)
    {
        if (now - _lastReclaimAt < (long)s_reclaimInterval.TotalMilliseconds)
        {
            return;
        }

        var dropped = Interlocked.Read(ref _droppedBytes);
        var largeReleased = _largeMessages?.ReleasedBytes ?? 0;
        var garbage = dropped + (largeReleased - _largeReleasedAtReclaim);
        if (garbage < ReclaimAfterBytes)
        {
            return;
        }

        Interlocked.Add(ref _droppedBytes, -dropped);
        _largeReleasedAtReclaim = largeReleased;
        _lastReclaimAt = now;
        JsonRpcLog.Reclaiming(_logger, garbage);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
