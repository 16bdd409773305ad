using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// Stores and serves XOR combinations for peer hosts over the block protocol (<see cref="BlockProtocol"/>).
/// Runs in <c>jumpstart store serve</c> or inside jumpstart-hostd; tests start it in-process too.
/// </summary>
/// <remarks>
/// A connection lives in two phases. Until its Hello is answered it holds a <see cref="HelloSlots"/> place, has
/// <see cref="BlockServerOptions.HelloTimeout"/> in all, and costs at most one Hello's bounded size: any other first
/// request is refused from its header, its body never read (BlockServer.Hello.cs). After, it holds a
/// <see cref="PeerSlots"/> place and serves requests, each with its own timeout, block buffers counted against
/// <see cref="BlockServerOptions.MaxRequestsInFlight"/> (BlockServer.Requests.cs).
/// </remarks>
public sealed partial class BlockServer : IAsyncDisposable
{
    // Block buffers kept for reuse per size class; the rest go back to the GC, so memory returns after a burst.
    private const int RetainedBuffersPerSize = 4;

    // A flood refused at accept costs one line per interval, with the count held back.
    private static readonly TimeSpan s_refusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly BlockServerOptions _options;
    private readonly BlockRepository _repository;
    private readonly TcpListener _listener;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly HelloSlots _hellos;
    private readonly PeerSlots _peers;
    private readonly ConnectionLimiter _limiter;
    private readonly LogThrottle _refusals = new(s_refusalLogInterval);
    private readonly SemaphoreSlim _requestBuffers;
    private readonly ArrayPool<byte> _bufferPool = ArrayPool<byte>.Create(StoreLimits.MaxBlockSize, RetainedBuffersPerSize);
    private readonly Task _acceptLoop;
    private int _active;

    private BlockServer(BlockServerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        _options = options;
        _logger = logger;
        _repository = new BlockRepository(options.Directory);
        _limiter = new ConnectionLimiter(ConnectionCaps.Wanted(options), options.ConnectionBudget);
        var caps = ConnectionCaps.Split(options, _limiter.Cap);
        StoreLog.ConnectionCaps(logger, caps.Lowered ? LogLevel.Warning : LogLevel.Information, _limiter.ToString(), caps.Authenticated, caps.Unauthenticated);
        _hellos = new HelloSlots(caps.Unauthenticated, caps.PerSource);
        _peers = new PeerSlots(caps.Authenticated, caps.PerPeer);
        _requestBuffers = new SemaphoreSlim(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _listener = new TcpListener(options.Listen);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        StoreLog.Listening(logger, EndPoint.ToString(), options.Peers.Count, options.Directory);
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The storage, e.g. for a test that corrupts an object.</summary>
    public BlockRepository Repository => _repository;

    public static BlockServer Start(BlockServerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ThrowIfOutOfBounds(options);
        return new BlockServer(options, loggerFactory.CreateLogger<BlockServer>(), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        // Wait (bounded) for running requests so a stop never cuts a put between write and rename.
        for (var i = 0; i < 100 && Volatile.Read(ref _active) > 0; i++)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        StoreLog.Stopped(_logger);
        _stop.Dispose();
    }

    private static void ThrowIfOutOfBounds(BlockServerOptions options)
    {
        (string Name, int Value)[] caps =
        [
            (nameof(options.MaxConnections), options.MaxConnections),
            (nameof(options.MaxConnectionsPerPeer), options.MaxConnectionsPerPeer),
            (nameof(options.MaxUnauthenticated), options.MaxUnauthenticated),
            (nameof(options.MaxUnauthenticatedPerSource), options.MaxUnauthenticatedPerSource),
            (nameof(options.MaxRequestsInFlight), options.MaxRequestsInFlight),
        ];
        foreach (var (name, value) in caps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        }

        foreach (var (name, value) in new[] { (nameof(options.HelloTimeout), options.HelloTimeout), (nameof(options.IdleTimeout), options.IdleTimeout), (nameof(options.RequestTimeout), options.RequestTimeout) })
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, name);
        }
    }

    // The shared loop keeps accepting after a transient failure (EMFILE, ECONNABORTED); it ends only on stop. Only the
    // failure's message is logged: formatting a stack trace may need descriptors the process does not have.
    private Task AcceptLoopAsync(CancellationToken cancellationToken)
        => SocketAcceptLoop.RunAsync(_listener.Server, socket => Accept(socket, cancellationToken), (ex, heldBack) => StoreLog.AcceptFailed(_logger, ex.SocketErrorCode.ToString(), ex.Message, heldBack), cancellationToken);

    private void Accept(Socket socket, CancellationToken cancellationToken)
    {
        // Every connection, before Hello or after, holds a descriptor of the process's shared budget until it closes.
        if (!_limiter.TryAdmit(out var refusal))
        {
            if (_refusals.TryEnter(out var heldBack))
            {
                StoreLog.RefusedAtAccept(_logger, refusal, heldBack);
            }

            socket.Dispose();
            return;
        }

        IPEndPoint? remote;
        try
        {
            remote = socket.RemoteEndPoint as IPEndPoint;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset before we looked: nothing to serve, and the accept loop must go on.
            socket.Dispose();
            _limiter.Release();
            return;
        }

        var (slot, evicted) = _hellos.Enter(socket, remote?.Address);
        if (evicted is not null)
        {
            // Closing the socket ends its pending read; its own task logs and frees what it holds.
            evicted.Socket.Dispose();
        }

        _ = Task.Run(() => ServeConnectionAsync(socket, slot, remote?.ToString() ?? "?", cancellationToken), CancellationToken.None);
    }

    private async Task ServeConnectionAsync(Socket socket, HelloSlot slot, string remote, CancellationToken cancellationToken)
    {
        string? peer = null;
        try
        {
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var header = new byte[BlockProtocol.HeaderLength];
            try
            {
                peer = await AuthenticateAsync(stream, header, slot, remote, cancellationToken);
            }
            finally
            {
                _hellos.Leave(slot);
            }

            if (peer is not null)
            {
                await ServeRequestsAsync(stream, header, peer, remote, cancellationToken);
            }
        }
        catch (BlockProtocolException ex)
        {
            StoreLog.Refused(_logger, remote, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (peer is null)
            {
                // Before Hello: a timeout, an eviction or a stranger hanging up; not worth a warning each.
                var reason = slot.Evicted ? "evicted by a newer connection" : ex is OperationCanceledException ? $"no Hello within {_options.HelloTimeout.TotalSeconds} s" : ex.Message;
                StoreLog.HelloDropped(_logger, remote, reason);
            }
            else
            {
                StoreLog.ConnectionFailed(_logger, remote, ex.Message);
            }
        }
        finally
        {
            if (peer is not null)
            {
                _peers.Leave(peer);
            }

            // Closed before its descriptor goes back to the budget (the stream closed it already, unless it was never made).
            socket.Dispose();
            _limiter.Release();
        }
    }
}
