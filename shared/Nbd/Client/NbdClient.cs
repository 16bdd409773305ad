using System.Collections.Concurrent;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>
/// An NBD client for one export over one connection: fixed newstyle handshake, many requests in flight
/// (a reader loop matches replies to requests by cookie), structured replies and <c>base:allocation</c>
/// block status when the server offers them. Thread-safe; every method may be called concurrently.
/// </summary>
/// <remarks>
/// NetworkBlockDevice/nbd <c>doc/proto.md</c>: "Fixed newstyle negotiation", "Option haggling"
/// (<c>NBD_OPT_GO</c>, falling back to <c>NBD_OPT_EXPORT_NAME</c>), "Transmission phase", "Structured reply
/// chunk message", "Metadata querying". Every length the server sends is checked against a limit before
/// anything is allocated or read; a violation is an <see cref="NbdProtocolException"/> that closes the
/// connection. A lost connection fails every pending request with an <see cref="IOException"/>.
/// </remarks>
public sealed partial class NbdClient : IBlockSource
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _input;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _window;
    private readonly ConcurrentDictionary<ulong, NbdClientRequest> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _readerLoop = Task.CompletedTask;
    private long _nextCookie;
    private IOException? _failure;
    private int _disposed;

    private NbdClient(Socket socket, string name, NbdClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = new BufferedStream(_stream, InputBufferBytes);
        _window = new SemaphoreSlim(Math.Max(1, options.MaxInFlight));
        Name = name;
        Options = options;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public long Size { get; private set; }

    /// <summary>The export's transmission flags (read-only, flush, cache, multi-conn, ...).</summary>
    public NbdTransmissionFlags TransmissionFlags { get; private set; }

    /// <summary>The server's minimum block size (1 when it did not say).</summary>
    public int MinimumBlockSize { get; private set; } = 1;

    /// <summary>The server's preferred block size (4096 when it did not say).</summary>
    public int PreferredBlockSize { get; private set; } = DefaultPreferredBlockSize;

    /// <summary>The largest request this client sends: the smaller of the server's maximum and the options' limit.</summary>
    public int MaximumRequestBytes { get; private set; }

    /// <summary>Whether structured replies were negotiated.</summary>
    public bool StructuredReplies { get; private set; }

    /// <summary>Whether <c>base:allocation</c> was negotiated (otherwise <see cref="GetAllocationAsync"/> reports all data).</summary>
    public bool BlockStatusAvailable => _allocationContextId is not null;

    /// <summary>Whether the handshake used <c>NBD_OPT_GO</c> (false: the <c>NBD_OPT_EXPORT_NAME</c> fallback).</summary>
    public bool NegotiatedWithGo { get; private set; }

    /// <summary>Requests sent and not yet answered.</summary>
    public int PendingRequests => _pending.Count;

    private NbdClientOptions Options { get; }

    /// <summary>Connects to <paramref name="uri"/> and negotiates its export.</summary>
    /// <exception cref="SocketException">The server could not be reached.</exception>
    /// <exception cref="NbdProtocolException">The server broke the protocol or refused the export (the message says why).</exception>
    public static async Task<NbdClient> ConnectAsync(NbdUri uri, NbdClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= new NbdClientOptions();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = uri.IsUnix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        NbdClient? client = null;
        try
        {
            if (uri.IsUnix)
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(uri.SocketPath!), timeout.Token);
            }
            else
            {
                // Small request headers must not wait for Nagle (proto.md recommends TCP_NODELAY).
                socket.NoDelay = true;
                await socket.ConnectAsync(uri.Host!, uri.Port, timeout.Token);
            }

            client = new NbdClient(socket, uri.ToString(), options);
            await client.HandshakeAsync(uri.ExportName, timeout.Token);
            client._readerLoop = Task.Run(client.ReadRepliesAsync, CancellationToken.None);
            return client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeFailedAsync(client, socket);
            throw new IOException($"{uri}: no NBD handshake within {options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (EndOfStreamException ex)
        {
            await DisposeFailedAsync(client, socket);
            throw new IOException($"{uri}: the server closed the connection during the handshake (unknown export?)", ex);
        }
        catch
        {
            await DisposeFailedAsync(client, socket);
            throw;
        }
    }

    /// <inheritdoc/>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.Length <= MaximumRequestBytes)
        {
            return destination.Length == 0 ? ValueTask.CompletedTask : SendAsync(NbdCommand.Read, NbdCommandFlags.None, offset, (uint)destination.Length, destination, default, cancellationToken);
        }

        return new ValueTask(ReadSplitAsync(offset, destination, cancellationToken));
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> (split into requests of at most <see cref="MaximumRequestBytes"/>).</summary>
    /// <exception cref="NbdErrorException">The export is read-only (<see cref="NbdError.Perm"/>), or the server failed the write.</exception>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        if ((TransmissionFlags & NbdTransmissionFlags.ReadOnly) != 0)
        {
            throw new NbdErrorException(NbdError.Perm, $"{Name}: the export is read-only");
        }

        var flags = forceUnitAccess && (TransmissionFlags & NbdTransmissionFlags.SendFua) != 0 ? NbdCommandFlags.Fua : NbdCommandFlags.None;
        var tasks = new List<Task>();
        for (var done = 0; done < data.Length; done += MaximumRequestBytes)
        {
            var piece = data.Slice(done, Math.Min(MaximumRequestBytes, data.Length - done));
            tasks.Add(SendAsync(NbdCommand.Write, flags, offset + done, (uint)piece.Length, default, piece, cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>Asks the server to make completed writes durable (nothing to do when it does not advertise flush).</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
        => (TransmissionFlags & NbdTransmissionFlags.SendFlush) == 0
            ? ValueTask.CompletedTask
            : SendAsync(NbdCommand.Flush, NbdCommandFlags.None, 0, 0, default, default, cancellationToken);

    /// <summary>Sends <c>NBD_CMD_CACHE</c> for the range (a no-op when the server does not advertise it).</summary>
    public async ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken)
    {
        if ((TransmissionFlags & NbdTransmissionFlags.SendCache) == 0)
        {
            return;
        }

        var tasks = new List<Task>();
        for (long done = 0; done < length; done += MaximumRequestBytes)
        {
            var piece = (uint)Math.Min(MaximumRequestBytes, length - done);
            tasks.Add(SendAsync(NbdCommand.Cache, NbdCommandFlags.None, offset + done, piece, default, default, cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// The <c>base:allocation</c> status from <paramref name="offset"/> for up to <paramref name="length"/> bytes: at
    /// least one extent, clipped to the range. Without the metadata context the whole range is reported as data.
    /// </summary>
    public async ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (_allocationContextId is null)
        {
            return [new NbdExtent(length, NbdExtentFlags.Data)];
        }

        var request = (uint)Math.Min(length, MaxBlockStatusRequestBytes);
        var extents = new List<NbdExtent>();
        await SendAsync(NbdCommand.BlockStatus, NbdCommandFlags.None, offset, request, default, default, cancellationToken, extents);
        return extents.Count == 0 ? throw new NbdProtocolException($"{Name}: block status reply without extents") : extents;
    }

    /// <summary>Sends <c>NBD_CMD_DISC</c>, closes the connection and fails whatever is still pending.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_failure is null && await _writeLock.WaitAsync(s_disconnectTimeout))
        {
            try
            {
                var header = new byte[NbdRequestLayout.Length];
                WriteRequestHeader(header, NbdCommand.Disconnect, NbdCommandFlags.None, NextCookie(), 0, 0);
                using var timeout = new CancellationTokenSource(s_disconnectTimeout);
                await _stream.WriteAsync(header, timeout.Token);
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server is gone already; closing is all that is left.
            }
            finally
            {
                _writeLock.Release();
            }
        }

        Fail(new IOException($"{Name}: the client was closed"));
        await _closing.CancelAsync();
        _socket.Dispose();
        await _readerLoop.WaitAsync(s_disconnectTimeout).ContinueWith(static _ => { }, TaskScheduler.Default);
        _input.Dispose();
        _stream.Dispose();
        _closing.Dispose();
    }

    private static async Task DisposeFailedAsync(NbdClient? client, Socket socket)
    {
        if (client is not null)
        {
            client._failure = new IOException("handshake failed");
            await client._input.DisposeAsync();
            await client._stream.DisposeAsync();
        }

        socket.Dispose();
    }

    private async Task ReadSplitAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        // All pieces go out at once; the in-flight window bounds how many are on the wire.
        var tasks = new List<Task>((destination.Length / MaximumRequestBytes) + 1);
        for (var done = 0; done < destination.Length; done += MaximumRequestBytes)
        {
            var piece = destination.Slice(done, Math.Min(MaximumRequestBytes, destination.Length - done));
            tasks.Add(SendAsync(NbdCommand.Read, NbdCommandFlags.None, offset + done, (uint)piece.Length, piece, default, cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks);
    }

    private ulong NextCookie() => (ulong)Interlocked.Increment(ref _nextCookie);
}
