using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// An NBD server (fixed newstyle handshake, simple and structured replies, <c>base:allocation</c>) serving an
/// <see cref="NbdExportSet"/> on a unix socket or TCP. Each connection runs on its own task; requests of one
/// connection run concurrently up to <see cref="NbdServerOptions.MaxInFlightRequests"/>.
/// </summary>
/// <remarks>Admission: at most <see cref="MaxConnections"/> connections (the configured cap, lowered when the process's
/// shared <see cref="ConnectionBudget"/> cannot hold it; every connection also takes a descriptor of that budget, which
/// all listeners of the process draw on) and <see cref="NbdServerOptions.MaxConnectionsPerSource"/>
/// per TCP source address; others are closed as soon as they are accepted (proto.md lets either side end a session
/// with a hard disconnect before any option, "Termination of the session during option haggling"). Memory: replies
/// and write payloads held by all connections are bounded by <see cref="NbdServerOptions.MaxBufferedBytes"/>, and a
/// reply the client stops reading ends its connection after <see cref="NbdServerOptions.ReplyStallTimeout"/>.</remarks>
/// <remarks>Protocol: NetworkBlockDevice/nbd <c>doc/proto.md</c>. The handshake, option haggling and transmission
/// live in <see cref="NbdServerConnection"/>'s partial files, each citing its sections.</remarks>
public sealed class NbdServer : IAsyncDisposable
{
    // A flood is refused thousands of times a second: one line a second says so, with the count held back.
    private static readonly TimeSpan s_refusalLogInterval = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly string? _unixPath;
    private readonly NbdExportSet _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, NbdServerConnection> _connections = new();
    private readonly Dictionary<IPAddress, int> _perSource = [];
    private readonly NbdByteBudget _buffered;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly Task _stallWatch;
    private readonly ConnectionLimiter _limiter;
    private readonly LogThrottle _refusals = new(s_refusalLogInterval);
    private long _nextConnectionId;

    private NbdServer(Socket listener, string? unixPath, NbdExportSet exports, NbdServerOptions? options, ILoggerFactory? loggerFactory)
    {
        _listener = listener;
        _unixPath = unixPath;
        _exports = exports;
        _options = options ?? new NbdServerOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NbdServer>();
        _buffered = new NbdByteBudget(_options.MaxBufferedBytes);
        LocalEndPoint = listener.LocalEndPoint!;
        _limiter = new ConnectionLimiter(_options.MaxConnections, _options.ConnectionBudget);
        NbdLog.Listening(_logger, unixPath ?? LocalEndPoint.ToString() ?? "?");
        NbdLog.ConnectionCap(_logger, _limiter.Cap < _limiter.Configured ? LogLevel.Warning : LogLevel.Information, _limiter.ToString(), _options.MaxConnectionsPerSource);
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _stallWatch = Task.Run(WatchStalledRepliesAsync);
    }

    /// <summary>The bound address (the real port when listening on port 0; a <see cref="UnixDomainSocketEndPoint"/> for unix).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Connections open now (handshaking or transmitting).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>The connection cap in force: <see cref="NbdServerOptions.MaxConnections"/>, lowered to the capacity of
    /// the process's <see cref="ConnectionBudget"/> (<see cref="ConnectionLimiter.Cap"/>).</summary>
    public int MaxConnections => _limiter.Cap;

    /// <summary>Bytes of READ data and WRITE payloads all connections hold now.</summary>
    public long BufferedBytes => _buffered.Held;

    /// <summary>The exports served.</summary>
    public NbdExportSet Exports => _exports;

    /// <summary>Listens on a unix socket at <paramref name="path"/>; a stale socket file left by a crash is replaced.</summary>
    /// <exception cref="IOException">Another process listens there, or the path is not a socket.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="NbdServerOptions"/>).</exception>
    public static NbdServer ListenUnix(string path, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        options?.Validate();
        var socket = ListeningSockets.BindUnix(path, socketMode: null, out var replaced);
        var server = new NbdServer(socket, path, exports, options, loggerFactory);
        if (replaced)
        {
            NbdLog.StaleSocketReplaced(server._logger, path);
        }

        return server;
    }

    /// <summary>Listens on TCP (port 0 picks a free port; see <see cref="LocalEndPoint"/>).</summary>
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="NbdServerOptions"/>).</exception>
    public static NbdServer ListenTcp(IPEndPoint endPoint, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        options?.Validate();
        return new NbdServer(ListeningSockets.BindTcp(endPoint), null, exports, options, loggerFactory);
    }

    /// <summary>Serves on a socket already bound and listening (e.g. from systemd); its file is never deleted.</summary>
    public static NbdServer Listen(Socket listener, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(exports);
        options?.Validate();
        return new NbdServer(listener, null, exports, options, loggerFactory);
    }

    /// <summary>Stops accepting, closes every connection (in-flight requests are cancelled) and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        await _stallWatch;
        await Task.WhenAll(_connections.Values.Select(c => c.Completion));
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }

        _stopping.Dispose();
    }

    private Task AcceptLoopAsync()
        => SocketAcceptLoop.RunAsync(_listener, Accept, (ex, heldBack) => NbdLog.AcceptFailed(_logger, ex.SocketErrorCode.ToString(), ex.Message, heldBack), _stopping.Token);

    /// <summary>Once a second, closes connections whose reply has made no progress for the stall timeout, and hands
    /// the memory of a past burst of large buffers back (<see cref="NbdBuffers.TrimIfQuiet"/>).</summary>
    private async Task WatchStalledRepliesAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                foreach (var connection in _connections.Values)
                {
                    connection.CloseIfReplyStalled(_options.ReplyStallTimeout);
                }

                NbdBuffers.TrimIfQuiet(serverIdle: _buffered.Held == 0);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Accept(Socket socket)
    {
        var source = (socket.RemoteEndPoint as IPEndPoint)?.Address is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)
            : null;
        string? refusal = null;
        if (source is not null && !TryTakeSourceSlot(source))
        {
            refusal = $"{_options.MaxConnectionsPerSource} connections open from {source}";
        }
        else if (!_limiter.TryAdmit(out refusal))
        {
            GiveSourceSlot(source);
        }

        if (refusal is not null)
        {
            if (_refusals.TryEnter(out var heldBack))
            {
                NbdLog.ConnectionRefused(_logger, refusal, heldBack);
            }

            socket.Dispose();
            return;
        }

        Start(socket, source);
    }

    private bool TryTakeSourceSlot(IPAddress source)
    {
        lock (_perSource)
        {
            var open = _perSource.GetValueOrDefault(source);
            if (open >= _options.MaxConnectionsPerSource)
            {
                return false;
            }

            _perSource[source] = open + 1;
            return true;
        }
    }

    private void GiveSourceSlot(IPAddress? source)
    {
        if (source is null)
        {
            return;
        }

        lock (_perSource)
        {
            var open = _perSource[source] - 1;
            if (open == 0)
            {
                _perSource.Remove(source);
            }
            else
            {
                _perSource[source] = open;
            }
        }
    }

    private void Start(Socket socket, IPAddress? source)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            // Replies are small and latency-bound (a 4 KiB read): never wait for Nagle's coalescing.
            socket.NoDelay = true;
        }

        var id = Interlocked.Increment(ref _nextConnectionId);
        var connection = new NbdServerConnection(id, socket, _exports, _options, _buffered, _logger);
        _connections[id] = connection;
        connection.Start(_stopping.Token);
        _ = connection.Completion.ContinueWith(
            _ =>
            {
                _connections.TryRemove(id, out var _);
                GiveSourceSlot(source);
                _limiter.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
