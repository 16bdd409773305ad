using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Accepts connections on a TCP or unix-socket listener and hands each one, configured by the
/// caller and started, to its own <see cref="JsonRpcConnection"/>.
/// </summary>
public sealed class JsonRpcServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Action<JsonRpcConnection> _configure;
    private readonly JsonRpcOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly string? _unixPath;
    private readonly ConcurrentDictionary<JsonRpcConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private JsonRpcServer(Socket listener, string? unixPath, Action<JsonRpcConnection> configure, JsonRpcOptions? options, ILoggerFactory? loggerFactory)
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
    }

    /// <summary>The bound address (the real port when listening on port 0).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Listens on TCP. <paramref name="configure"/> adds targets to each new connection before it starts.</summary>
    public static JsonRpcServer ListenTcp(IPEndPoint endPoint, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var socket = ListeningSockets.BindTcp(endPoint);
        return new JsonRpcServer(socket, null, configure, options, loggerFactory);
    }

    /// <summary>Listens on a unix socket at <paramref name="path"/> (a stale socket file is replaced).</summary>
    /// <exception cref="IOException">Another process is listening at <paramref name="path"/>, or it is not a socket.</exception>
    public static JsonRpcServer ListenUnix(string path, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
        => ListenUnix(path, socketMode: null, configure, options, loggerFactory);

    /// <summary>
    /// Listens on a unix socket whose file gets <paramref name="socketMode"/> (e.g. owner and group
    /// read/write only, for the local operator socket). The mode is set before listen(), so no
    /// client can connect while the socket still has the umask's permissions.
    /// </summary>
    public static JsonRpcServer ListenUnix(string path, UnixFileMode? socketMode, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
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
    /// Serves on a socket that is already bound and listening (e.g. one passed by systemd socket
    /// activation). The server takes ownership of the socket but never deletes its file.
    /// </summary>
    public static JsonRpcServer Listen(Socket listeningSocket, Action<JsonRpcConnection> configure, JsonRpcOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(listeningSocket);
        ArgumentNullException.ThrowIfNull(configure);
        return new JsonRpcServer(listeningSocket, unixPath: null, configure, options, loggerFactory);
    }

    /// <summary>Stops accepting and closes every open connection gracefully.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys.Select(connection => connection.DisposeAsync().AsTask()));
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
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true;
        }

        var connection = new JsonRpcConnection(new NetworkStream(socket, ownsSocket: true), _options, _loggerFactory.CreateLogger<JsonRpcConnection>());
        try
        {
            _configure(connection);
            _connections.TryAdd(connection, 0);
            connection.StartListening();
        }
        catch (Exception ex)
        {
            // The caller's setup threw: this connection cannot serve anything, but the server goes on.
            JsonRpcLog.ConfigureFailed(_logger, ex);
            _connections.TryRemove(connection, out _);
            _ = connection.DisposeAsync().AsTask();
            return;
        }

        _ = connection.Completion.ContinueWith(
            (_, state) => ((ConcurrentDictionary<JsonRpcConnection, byte>)state!).TryRemove(connection, out var _),
            _connections,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
