using System.Buffers;
using System.IO.Pipelines;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
using StreamJsonRpc.Reflection;

namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>
/// StreamJsonRpc's Content-Length framing with our bounds in front: each frame's header block and claimed body size
/// are checked (by <see cref="HeaderDelimitedFrameParser"/>) before anything waits for or buffers the body, and a
/// violation ends the connection. Writing is StreamJsonRpc's own.
/// </summary>
/// <remarks>
/// Spec: LSP base protocol, "Header Part" and "Content Part" (https://microsoft.github.io/language-server-protocol/
/// specifications/base/0.9/specification/#headerPart) carrying JSON-RPC 2.0 messages (https://www.jsonrpc.org/specification).
/// StreamJsonRpc's <see cref="HeaderDelimitedMessageHandler"/> reads header lines without a length cap and buffers
/// whatever Content-Length a peer claims (up to 2 GiB); see its issue #326. This class only replaces the reading side.
/// It also records when the connection opened, when a frame started and when the connection last moved, and counts the
/// peer's requests not yet answered, so <see cref="JsonRpcServer"/> can cut slow senders and idle connections. A listener
/// may let bodies over <see cref="JsonRpcOptions.MaxMessageBytes"/> (up to <see cref="JsonRpcOptions.MaxLargeMessageBytes"/>)
/// through while they fit in its <see cref="LargeMessageBudget"/>; the reservation is made from the header.
/// </remarks>
public sealed class BoundedHeaderDelimitedHandler : HeaderDelimitedMessageHandler, IJsonRpcMessageBufferManager
{
    private const long NotStarted = 0;

    private readonly JsonRpcOptions _options;
    private readonly PipeReader _reader;
    private IJsonRpcMessageBufferManager? _reservedMessage;
    private SequencePosition _reservedEnd;
    private readonly long _openedAt = Environment.TickCount64;
    private long _frameStartedAt;
    private long _lastActivityAt = Environment.TickCount64;
    private int _framesRead;
    private LargeMessageBudget? _largeMessages;
    private long _largeReserved;
    private long _bufferedBytes;
    private int _closed;
    // Never disposed: it owns no wait handle, and a late answer may still release it after the connection closed.
    private readonly SemaphoreSlim _requestSlots;
    private int _requestsInProgress;

    public BoundedHeaderDelimitedHandler(PipeWriter writer, PipeReader reader, IJsonRpcMessageFormatter formatter, JsonRpcOptions options)
        : base(writer, reader, formatter)
    {
        _reader = reader;
        _options = options;
        _requestSlots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
    }

    /// <summary>Why the last read ended the connection, if a framing rule did.</summary>
    public JsonRpcFramingException? Violation { get; private set; }

    /// <summary>True while a frame has begun arriving but is not complete, for longer than <paramref name="limit"/>.</summary>
    public bool FrameOverdue(long now, TimeSpan limit)
    {
        var started = Volatile.Read(ref _frameStartedAt);
        return started != NotStarted && now - started > (long)limit.TotalMilliseconds;
    }

    /// <summary>Bytes of an unfinished frame the connection holds (what a peer that stops mid-frame leaves behind).</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    /// <summary>True when no complete frame has arrived within <paramref name="limit"/> of the connection opening.</summary>
    public bool FirstFrameOverdue(long now, TimeSpan limit)
        => Volatile.Read(ref _framesRead) == 0 && now - _openedAt > (long)limit.TotalMilliseconds;

    /// <summary>
    /// Lets bodies over <see cref="JsonRpcOptions.MaxMessageBytes"/>, up to <see cref="JsonRpcOptions.MaxLargeMessageBytes"/>,
    /// through while they fit in <paramref name="budget"/> (shared by a listener's connections). Call before the
    /// connection starts listening; without a budget such bodies are refused.
    /// </summary>
    public void UseLargeMessageBudget(LargeMessageBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _largeMessages = budget;
    }

    /// <summary>The connection closed: gives back what it holds of the listener's large-message budget.</summary>
    public void ReleaseBudgets()
    {
        Volatile.Write(ref _closed, 1);
        ReleaseLargeMessage();
    }

    /// <summary>True when nothing was read or written for <paramref name="limit"/> and no request of the peer is in progress.</summary>
    public bool Idle(long now, TimeSpan limit)
        => Volatile.Read(ref _requestsInProgress) == 0
           && Volatile.Read(ref _frameStartedAt) == NotStarted
           && now - Volatile.Read(ref _lastActivityAt) > (long)limit.TotalMilliseconds;

    /// <inheritdoc />
    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        // Cancellation (the connection being disposed) wakes the pending read instead of unwinding it with an
        // exception through every frame: closing 1,000 connections must not cost 10,000 exceptions.
        using var wake = cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), _reader);
        var maxBody = _largeMessages is null ? _options.MaxMessageBytes : Math.Max(_options.MaxMessageBytes, _options.MaxLargeMessageBytes);
        while (true)
        {
            var result = await _reader.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            bool complete;
            ReadOnlySequence<byte> body;
            SequencePosition consumed;
            try
            {
                complete = HeaderDelimitedFrameParser.TryParse(buffer, _options.MaxHeaderBytes, maxBody, out body, out consumed, out var contentLength);
                if (contentLength > _options.MaxMessageBytes)
                {
                    ReserveLargeMessage(contentLength);
                }
            }
            catch (JsonRpcFramingException ex)
            {
                Violation = ex;
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (!complete)
            {
                if (result.IsCompleted)
                {
                    _reader.AdvanceTo(buffer.End);
                    if (buffer.IsEmpty)
                    {
                        return null;
                    }

                    throw new EndOfStreamException($"the peer closed the stream in the middle of a message ({buffer.Length} bytes buffered)");
                }

                if (result.IsCanceled)
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return null;
                    }

                    continue;
                }

                if (!buffer.IsEmpty && Volatile.Read(ref _frameStartedAt) == NotStarted)
                {
                    Volatile.Write(ref _frameStartedAt, Environment.TickCount64);
                }

                Touch();
                Volatile.Write(ref _bufferedBytes, buffer.Length);
                _reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            Volatile.Write(ref _frameStartedAt, NotStarted);
            Volatile.Write(ref _framesRead, 1);
            Volatile.Write(ref _bufferedBytes, 0);
            Touch();
            JsonRpcMessage message;
            try
            {
                message = Formatter.Deserialize(body);
            }
            catch
            {
                _reader.AdvanceTo(consumed);
                ReleaseLargeMessage();
                throw;
            }

            if (message is JsonRpcRequest { IsResponseExpected: true })
            {
                // Back-pressure instead of an unbounded backlog: at the limit, stop reading until an answer goes out.
                Interlocked.Increment(ref _requestsInProgress);
                await _requestSlots.WaitAsync(cancellationToken);
            }

            // The formatter's message may still point into the pipe's buffer (System.Text.Json parses in place):
            // StreamJsonRpc tells us when it is done with it, and only then is the buffer released.
            if (message is IJsonRpcMessageBufferManager buffered)
            {
                _reservedMessage = buffered;
                _reservedEnd = consumed;
            }
            else
            {
                _reader.AdvanceTo(consumed);
                ReleaseLargeMessage();
            }

            return message;
        }
    }

    /// <inheritdoc />
    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        base.Write(content, cancellationToken);
        Touch();
        if (content is JsonRpcResult or JsonRpcError && Volatile.Read(ref _requestsInProgress) > 0)
        {
            Interlocked.Decrement(ref _requestsInProgress);
            _requestSlots.Release();
        }
    }

    /// <inheritdoc />
    void IJsonRpcMessageBufferManager.DeserializationComplete(JsonRpcMessage message)
    {
        if (_reservedMessage is { } reserved && ReferenceEquals(reserved, message))
        {
            reserved.DeserializationComplete(message);
            _reservedMessage = null;
            try
            {
                _reader.AdvanceTo(_reservedEnd);
            }
            catch (InvalidOperationException)
            {
                // The reader completed (the connection closed) while the message was being dispatched.
            }

            ReleaseLargeMessage();
        }
    }

    /// <summary>Reserves a large body's bytes once per frame, from its header; refuses the frame when they do not fit.</summary>
    private void ReserveLargeMessage(int contentLength)
    {
        if (Interlocked.Read(ref _largeReserved) != 0)
        {
            return;
        }

        var budget = _largeMessages!;
        if (!budget.TryReserve(contentLength))
        {
            FramingThrow.LargeBodyRefused(contentLength, _options.MaxMessageBytes, budget.CapacityBytes);
        }

        Interlocked.Exchange(ref _largeReserved, contentLength);
        if (Volatile.Read(ref _closed) != 0)
        {
            // The server released this connection's budget while we reserved: give it back here.
            ReleaseLargeMessage();
        }
    }

    private void ReleaseLargeMessage()
    {
        var reserved = Interlocked.Exchange(ref _largeReserved, 0);
        if (reserved != 0)
        {
            _largeMessages!.Release(reserved);
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivityAt, Environment.TickCount64);
}
