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
/// <remarks>Protocol: NetworkBlockDevice/nbd <c>doc/proto.md</c>. The handshake, option haggling and transmission
/// live in <see cref="NbdServerConnection"/>'s partial files, each citing its sections.</remarks>
public sealed class NbdServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string? _unixPath;
    private readonly NbdExportSet _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, NbdServerConnection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private long _nextConnectionId;

    private NbdServer(Socket listener, string? unixPath, NbdExportSet exports, NbdServerOptions? options, ILoggerFactory? loggerFactory)
    {
        _listener = listener;
        _unixPath = unixPath;
        _exports = exports;
        _options = options ?? new NbdServerOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NbdServer>();
        LocalEndPoint = listener.LocalEndPoint!;
        NbdLog.Listening(_logger, unixPath ?? LocalEndPoint.ToString() ?? "?");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound address (the real port when listening on port 0; a <see cref="UnixDomainSocketEndPoint"/> for unix).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Connections open now (handshaking or transmitting).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>The exports served.</summary>
    public NbdExportSet Exports => _exports;

    /// <summary>Listens on a unix socket at <paramref name="path"/>; a stale socket file left by a crash is replaced.</summary>
    /// <exception cref="IOException">Another process listens there, or the path is not a socket.</exception>
    public static NbdServer ListenUnix(string path, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        var socket = ListeningSockets.BindUnix(path, socketMode: null, out var replaced);
        var server = new NbdServer(socket, path, exports, options, loggerFactory);
        if (replaced)
        {
            NbdLog.StaleSocketReplaced(server._logger, path);
        }

        return server;
    }

    /// <summary>Listens on TCP (port 0 picks a free port; see <see cref="LocalEndPoint"/>).</summary>
    public static NbdServer ListenTcp(IPEndPoint endPoint, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        return new NbdServer(ListeningSockets.BindTcp(endPoint), null, exports, options, loggerFactory);
    }

    /// <summary>Serves on a socket already bound and listening (e.g. from systemd); its file is never deleted.</summary>
    public static NbdServer Listen(Socket listener, NbdExportSet exports, NbdServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(exports);
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
        await Task.WhenAll(_connections.Values.Select(c => c.Completion));
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }

        _stopping.Dispose();
    }

    private Task AcceptLoopAsync()
        => SocketAcceptLoop.RunAsync(_listener, Accept, ex => NbdLog.AcceptFailed(_logger, ex), _stopping.Token);

    private void Accept(Socket socket)
    {
        if (_connections.Count >= _options.MaxConnections)
        {
            NbdLog.TooManyConnections(_logger, _options.MaxConnections);
            socket.Dispose();
            return;
        }

        Start(socket);
    }

    private void Start(Socket socket)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            // Replies are small and latency-bound (a 4 KiB read): never wait for Nagle's coalescing.
            socket.NoDelay = true;
        }

        var id = Interlocked.Increment(ref _nextConnectionId);
        var connection = new NbdServerConnection(id, socket, _exports, _options, _logger);
        _connections[id] = connection;
        connection.Start(_stopping.Token);
        _ = connection.Completion.ContinueWith(
            (_, state) => ((ConcurrentDictionary<long, NbdServerConnection>)state!).TryRemove(id, out var _),
            _connections,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
