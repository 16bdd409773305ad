using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// The cluster port: accepts TCP connections (through the shared <see cref="SocketAcceptLoop"/>), runs each one's
/// TLS 1.3 handshake under <see cref="ClusterOptions.HandshakeTimeout"/>, and hands the authenticated connection to the
/// handler of its ALPN protocol for as long as it lives. Bounds: <see cref="ClusterOptions.MaxConnections"/> open and
/// <see cref="ClusterOptions.MaxHandshakes"/> still handshaking (a connection beyond either is closed at accept), so
/// clients that never finish a handshake cannot crowd out the hosts.
/// </summary>
internal sealed class ClusterListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ClusterTransport _transport;
    private readonly ClusterOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly HashSet<Task> _serving = [];
    private readonly LogThrottle _refusalLog = new(ClusterLimits.LogInterval);
    private readonly LogThrottle _handshakeLog = new(ClusterLimits.LogInterval);
    private readonly LogThrottle _acceptLog = new(ClusterLimits.LogInterval);

    // Its connections come out of the process's one descriptor budget, like every other listener's.
    private readonly ConnectionLimiter _connections;
    private int _handshaking;
    private long _refused;
    private long _failedHandshakes;

    public ClusterListener(IPEndPoint endPoint, ClusterTransport transport, ClusterOptions options, ILogger logger)
    {
        _socket = ListeningSockets.BindTcp(endPoint);
        _transport = transport;
        _options = options;
        _logger = logger;
        _connections = new ConnectionLimiter(options.MaxConnections);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        ClusterLog.Listening(_logger, LocalEndPoint.ToString(), _connections.ToString());
        _acceptLoop = Task.Run(() => SocketAcceptLoop.RunAsync(_socket, Accepted, (ex, heldBack) => ClusterLog.AcceptFailed(_logger, ex.Message, heldBack), _stopping.Token));
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections open, handshaking ones included.</summary>
    public int OpenCount => _connections.Count;

    /// <summary>Connections closed at accept because a cap was reached.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>Handshakes that failed: not TLS, not TLS 1.3, too slow, or a certificate refused.</summary>
    public long FailedHandshakes => Interlocked.Read(ref _failedHandshakes);

    private void Accepted(Socket socket)
    {
        if (!_connections.TryAdmit(out var refusal))
        {
            Refuse(socket, refusal, admitted: false);
            return;
        }

        if (Interlocked.Increment(ref _handshaking) > _options.MaxHandshakes)
        {
            Interlocked.Decrement(ref _handshaking);
            Refuse(socket, "too many handshakes in progress", admitted: true);
            return;
        }

        var serving = Task.Run(() => ServeAsync(socket));
        lock (_serving)
        {
            _serving.Add(serving);
        }

        _ = serving.ContinueWith(
            done =>
            {
                lock (_serving)
                {
                    _serving.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Refuse(Socket socket, string why, bool admitted)
    {
        if (admitted)
        {
            _connections.Release();
        }

        Interlocked.Increment(ref _refused);
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        socket.Dispose();
        if (_refusalLog.TryEnter(out var heldBack))
        {
            ClusterLog.ConnectionRefused(_logger, remote, why, heldBack);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        socket.NoDelay = true;
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        ClusterConnection? connection = null;
        try
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(_options.HandshakeTimeout);
                await stream.AuthenticateAsServerAsync(_transport.Tls.ServerOptions(_transport.OfferedProtocols(), remote), timeout.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                Interlocked.Increment(ref _failedHandshakes);
                if (!_stopping.IsCancellationRequested && _handshakeLog.TryEnter(out var heldBack))
                {
                    ClusterLog.HandshakeFailed(_logger, remote?.ToString() ?? "?", ex is OperationCanceledException ? $"no handshake within {_options.HandshakeTimeout.TotalSeconds:0.#} s" : ex.Message, heldBack);
                }

                return;
            }
            finally
            {
                Interlocked.Decrement(ref _handshaking);
            }

            var protocol = stream.NegotiatedApplicationProtocol.ToString();
            var peer = ClusterTls.Peer(stream.RemoteCertificate);
            if (_transport.HandlerOf(protocol) is not { } handler || (peer is null && protocol != ClusterProtocols.Join))
            {
                if (_handshakeLog.TryEnter(out var heldBack))
                {
                    ClusterLog.HandshakeFailed(_logger, remote?.ToString() ?? "?", $"no protocol this host serves was asked for ('{protocol}')", heldBack);
                }

                return;
            }

            connection = new ClusterConnection(stream, protocol, peer?.Name, peer?.Serial, remote);
            if (!_transport.Track(connection))
            {
                return;
            }

            await handler(connection, _stopping.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away, or hostd is stopping.
        }
        catch (Exception ex)
        {
            ClusterLog.HandlerFailed(_logger, connection?.Protocol ?? "?", connection?.PeerName ?? remote?.ToString() ?? "?", ex);
        }
        finally
        {
            if (connection is not null)
            {
                _transport.Untrack(connection);
                await connection.DisposeAsync();
            }
            else
            {
                await DisposeQuietlyAsync(stream);
            }

            _connections.Release();
        }
    }

    private static async Task DisposeQuietlyAsync(SslStream stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or AuthenticationException)
        {
            // Nothing left to close.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _socket.Dispose();
        await _acceptLoop;
        Task[] serving;
        lock (_serving)
        {
            serving = [.. _serving];
        }

        await Task.WhenAll(serving);
        _stopping.Dispose();
    }
}
