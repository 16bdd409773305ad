using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using Jumpstart.Shared.JsonRpc.Dispatch;
using Jumpstart.Shared.JsonRpc.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// One JSON-RPC 2.0 peer on a byte stream, framed with Content-Length headers (StreamJsonRpc's
/// HeaderDelimitedMessageHandler, the LSP base protocol). Both sides may call and be called.
/// </summary>
/// <remarks>
/// Spec: https://www.jsonrpc.org/specification (§4 request, §5 response, §6 batch) and the LSP
/// base protocol (framing, <c>$/cancelRequest</c>). A reader loop parses frames and dispatches
/// each request to the thread pool, so one slow handler never blocks the others; responses and
/// calls go through a bounded channel to a single writer loop.
/// </remarks>
public sealed partial class JsonRpcConnection : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly JsonRpcOptions _options;
    private readonly ILogger _logger;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<PooledBufferWriter> _outgoing;
    private readonly MethodTable _methods = new();
    private readonly ConcurrentDictionary<long, PendingCall> _pendingCalls = new();
    private readonly ConcurrentDictionary<RequestId, CancellationTokenSource> _incomingCalls = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _writeLoop;
    private readonly Lock _shutdownLock = new();
    private Task? _readLoop;
    private Task? _shutdown;
    private long _nextId;
    private int _listening;

    /// <summary>A connection over one duplex stream (socket).</summary>
    public JsonRpcConnection(Stream duplex, JsonRpcOptions? options = null, ILogger? logger = null)
        : this(duplex, duplex, options, logger)
    {
    }

    /// <summary>A connection over separate input and output streams (pipes, stdio).</summary>
    public JsonRpcConnection(Stream input, Stream output, JsonRpcOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        _input = input;
        _output = output;
        _options = options ?? new JsonRpcOptions();
        _logger = logger ?? NullLogger.Instance;
        _reader = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: true));
        _writer = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        _outgoing = Channel.CreateBounded<PooledBufferWriter>(new BoundedChannelOptions(_options.OutgoingQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when the connection has closed (end of stream, error, or dispose).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection closed; <see cref="JsonRpcCloseReason.None"/> while open.</summary>
    public JsonRpcCloseReason CloseReason { get; private set; }

    /// <summary>
    /// Binds the public instance methods of <paramref name="target"/>. A method's wire name is its
    /// <see cref="JsonRpcMethodAttribute"/> name, else its own name with an "Async" suffix removed.
    /// Parameters bind by name (params object) or position (params array); a trailing
    /// <see cref="CancellationToken"/> is signalled by <c>$/cancelRequest</c> or by disconnect.
    /// Must be called before <see cref="StartListening"/>.
    /// </summary>
    public void AddLocalTarget(object target)
    {
        ThrowIfListening();
        _methods.AddTarget(target);
    }

    /// <summary>Binds one method to a delegate, with the same binding rules as <see cref="AddLocalTarget"/>.</summary>
    public void AddMethod(string name, Delegate handler)
    {
        ThrowIfListening();
        _methods.AddDelegate(name, handler);
    }

    /// <summary>Starts reading messages. Calls may be issued before or after.</summary>
    public void StartListening()
    {
        if (Interlocked.Exchange(ref _listening, 1) != 0)
        {
            throw new InvalidOperationException("the connection is already listening");
        }

        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Graceful close: stops reading, fails pending calls with <see cref="ConnectionLostException"/>, closes the stream.</summary>
    public ValueTask DisposeAsync() => new(ShutdownAsync(JsonRpcCloseReason.Disposed));

    private void ThrowIfListening()
    {
        if (Volatile.Read(ref _listening) != 0)
        {
            throw new InvalidOperationException("methods must be added before StartListening");
        }
    }

    /// <summary>Starts the close once, whoever asks first (reader, writer, or the owner); later callers share it.</summary>
    private Task ShutdownAsync(JsonRpcCloseReason reason)
    {
        lock (_shutdownLock)
        {
            if (_shutdown is null)
            {
                CloseReason = reason;
                _shutdown = ShutdownCoreAsync(reason);
            }

            return _shutdown;
        }
    }

    private async Task ShutdownCoreAsync(JsonRpcCloseReason reason)
    {
        // Yield so that a loop calling in here has returned before we wait for it.
        await Task.Yield();
        JsonRpcLog.ConnectionClosed(_logger, reason);
        await _closing.CancelAsync();
        FailPendingCalls(reason);

        // Let what is already queued (answers the peer waits for) reach the transport, within bounds.
        _outgoing.Writer.TryComplete();
        try
        {
            await _writeLoop.WaitAsync(_options.DrainTimeout);
        }
        catch (TimeoutException)
        {
            // The peer is not reading; disposing the stream below unblocks the writer.
        }

        await DisposeStreamsAsync();
        await _writeLoop;
        if (_readLoop is { } readLoop)
        {
            await readLoop;
        }

        // _closing is not disposed: late handlers may still link to its token, and it owns no timer.
        _completion.TrySetResult();
    }

    private async ValueTask DisposeStreamsAsync()
    {
        await _input.DisposeAsync();
        if (!ReferenceEquals(_input, _output))
        {
            await _output.DisposeAsync();
        }
    }

    private void FailPendingCalls(JsonRpcCloseReason reason)
    {
        foreach (var id in _pendingCalls.Keys)
        {
            if (_pendingCalls.TryRemove(id, out var call))
            {
                call.SetException(new ConnectionLostException($"the JSON-RPC connection closed ({reason}) before request {id} was answered"));
            }
        }
    }
}
