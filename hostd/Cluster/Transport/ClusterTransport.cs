using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Jumpstart.Hostd.Cluster.Identity;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// A host's cluster connections, both ways, all mutual TLS 1.3 with this host's certificate: the cluster port
/// (<see cref="ClusterListener"/>) serves the protocols mapped with <see cref="Map"/>, and <see cref="ConnectAsync(string, string, CancellationToken)"/>
/// opens an authenticated stream to a named host. It also holds the revocation list every handshake is checked
/// against, and closes the open connections of a certificate when a new list revokes it.
/// </summary>
/// <remarks>How other components use it (the bundle transfer, remote control) is in hostd/Cluster/README.md.</remarks>
public sealed class ClusterTransport : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<ClusterConnection, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ClusterConnection, byte> _connections = new();
    private readonly ClusterOptions _options;
    private readonly ILogger _logger;
    private RevocationList _revocations;
    private ClusterListener? _listener;
    private int _stopped;

    internal ClusterTransport(HostIdentity identity, RevocationList revocations, ClusterOptions options, ILogger logger)
    {
        Identity = identity;
        _revocations = revocations;
        _options = options;
        _logger = logger;
        Tls = new ClusterTls(identity, () => Volatile.Read(ref _revocations), logger);
    }

    /// <summary>This host's certificate and the cluster's CA.</summary>
    public HostIdentity Identity { get; }

    /// <summary>The revocation list in force.</summary>
    public RevocationList Revocations => Volatile.Read(ref _revocations);

    /// <summary>Where the cluster port listens, once it does.</summary>
    public IPEndPoint? ListenEndPoint => _listener?.LocalEndPoint;

    /// <summary>Finds where a host's cluster port is (<c>HOST:PORT</c>) by its name; set by the cluster service (the manager knows every host).</summary>
    public Func<string, CancellationToken, Task<string>>? Resolver { get; set; }

    /// <summary>Connections open now, both ways.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Handshakes the cluster port failed (for tests and status).</summary>
    public long FailedHandshakes => _listener?.FailedHandshakes ?? 0;

    /// <summary>Connections the cluster port closed at accept because a cap was reached.</summary>
    public long RefusedConnections => _listener?.RefusedCount ?? 0;

    internal ClusterTls Tls { get; }

    /// <summary>
    /// Serves <paramref name="protocol"/> (an ALPN name, <see cref="ClusterProtocols"/>) on the cluster port from now on.
    /// <paramref name="serve"/> owns the connection until it returns; the transport closes it afterwards. The peer's
    /// name is <see cref="ClusterConnection.PeerName"/>, already checked against the CA and the revocation list.
    /// </summary>
    public void Map(string protocol, Func<ClusterConnection, CancellationToken, Task> serve)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        ArgumentNullException.ThrowIfNull(serve);
        _handlers[protocol] = serve;
    }

    /// <summary>Opens the cluster port.</summary>
    internal void Listen(IPEndPoint endPoint)
    {
        _listener ??= new ClusterListener(endPoint, this, _options, _logger);
    }

    /// <summary>
    /// Opens a mutual-TLS connection for <paramref name="protocol"/> to the host named <paramref name="hostName"/>
    /// (found through <see cref="Resolver"/>); its certificate must name that host.
    /// </summary>
    /// <exception cref="ClusterNotFoundException">No host has that name.</exception>
    /// <exception cref="ClusterUnreachableException">It cannot be reached, or the handshake failed (a certificate refused on either side).</exception>
    public async Task<ClusterConnection> ConnectAsync(string hostName, string protocol, CancellationToken cancellationToken)
    {
        var resolver = Resolver ?? throw new ClusterNotManagerException("this host cannot look up other hosts yet");
        var endPoint = await resolver(HostNames.Require(hostName), cancellationToken);
        return await ConnectAsync(ParseEndPoint(endPoint, "host endpoint"), hostName, protocol, cancellationToken);
    }

    /// <summary>Opens a mutual-TLS connection for <paramref name="protocol"/> to <paramref name="endPoint"/>, whose certificate must name <paramref name="expectedName"/>.</summary>
    /// <exception cref="ClusterUnreachableException">It cannot be reached, or the handshake failed (a certificate refused on either side).</exception>
    public async Task<ClusterConnection> ConnectAsync(EndPoint endPoint, string expectedName, string protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var stream = await OpenAsync(endPoint, Tls.ClientOptions(expectedName, protocol, endPoint), cancellationToken);
        var peer = ClusterTls.Peer(stream.RemoteCertificate);
        if (peer is null || stream.NegotiatedApplicationProtocol != ClusterProtocols.Of(protocol))
        {
            await stream.DisposeAsync();
            throw new ClusterUnreachableException($"{expectedName} at {endPoint} does not serve {protocol}");
        }

        var connection = new ClusterConnection(stream, protocol, peer.Value.Name, peer.Value.Serial, endPoint as IPEndPoint);
        if (!Track(connection))
        {
            await connection.DisposeAsync();
            throw new ClusterUnreachableException($"the certificate of {expectedName} is revoked");
        }

        _ = connection.Closed.ContinueWith(_ => Untrack(connection), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return connection;
    }

    /// <summary>
    /// Connects a TCP socket to <paramref name="endPoint"/> and runs a TLS 1.3 handshake with <paramref name="options"/>,
    /// both within <see cref="ClusterOptions.HandshakeTimeout"/>.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">Not reachable, too slow, or the handshake failed.</exception>
    internal static async Task<SslStream> OpenAsync(EndPoint endPoint, SslClientAuthenticationOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? stream = null;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endPoint, bound.Token);
            stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await stream.AuthenticateAsClientAsync(options, bound.Token);
            return stream;
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            cancellationToken.ThrowIfCancellationRequested();
            var why = ex switch
            {
                OperationCanceledException => $"no answer within {timeout.TotalSeconds:0.#} s",
                AuthenticationException => $"the TLS handshake failed ({ex.Message}): a certificate was refused, by this host or by the peer",
                _ => ex.Message,
            };
            throw new ClusterUnreachableException($"cannot reach {endPoint}: {why}", ex);
        }
    }

    private Task<SslStream> OpenAsync(EndPoint endPoint, SslClientAuthenticationOptions options, CancellationToken cancellationToken)
        => OpenAsync(endPoint, options, _options.HandshakeTimeout, cancellationToken);

    /// <summary>
    /// Puts <paramref name="list"/> in force when it is newer than the current one, and closes every open connection
    /// whose peer it revokes. Returns whether it was newer.
    /// </summary>
    internal bool ApplyRevocations(RevocationList list)
    {
        RevocationList current;
        do
        {
            current = Volatile.Read(ref _revocations);
            if (list.Number <= current.Number)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _revocations, list, current) != current);

        foreach (var connection in _connections.Keys)
        {
            if (connection.PeerSerial is { } serial && list.IsRevoked(serial))
            {
                _ = connection.DisposeAsync().AsTask();
            }
        }

        return true;
    }

    /// <summary>The ALPN protocols the cluster port offers.</summary>
    internal List<SslApplicationProtocol> OfferedProtocols() => [.. _handlers.Keys.Select(ClusterProtocols.Of)];

    internal Func<ClusterConnection, CancellationToken, Task>? HandlerOf(string protocol) => _handlers.GetValueOrDefault(protocol);

    /// <summary>Adds a connection to those cut on revocation; false (and nothing added) when its peer is revoked by now or the transport stopped.</summary>
    internal bool Track(ClusterConnection connection)
    {
        _connections.TryAdd(connection, 0);

        // A list that arrived during the handshake: check again after adding, so no connection slips between the two.
        if (Volatile.Read(ref _stopped) != 0 || (connection.PeerSerial is { } serial && Revocations.IsRevoked(serial)))
        {
            _connections.TryRemove(connection, out _);
            return false;
        }

        return true;
    }

    internal void Untrack(ClusterConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>Parses <c>HOST:PORT</c> (an IP address or a name; [v6]:port).</summary>
    /// <exception cref="ClusterRequestException">It is not.</exception>
    public static EndPoint ParseEndPoint(string? text, string what)
    {
        if (IPEndPoint.TryParse(text ?? "", out var ip) && ip.Port != 0 && text!.Contains(':', StringComparison.Ordinal))
        {
            return ip;
        }

        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= IPEndPoint.MaxPort && HostNames.IsValid(text![..colon]))
        {
            return new DnsEndPoint(text[..colon], port);
        }

        throw new ClusterRequestException($"{what} '{text}' is not HOST:PORT");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync();
        }

        if (_listener is { } listener)
        {
            await listener.DisposeAsync();
        }

        Identity.Dispose();
    }
}
