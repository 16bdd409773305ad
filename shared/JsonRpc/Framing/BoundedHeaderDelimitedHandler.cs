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
/// It also records when a frame started and when the connection last moved, and counts the peer's requests not yet
/// answered, so <see cref="JsonRpcServer"/> can cut slow senders and idle connections.
/// </remarks>
public sealed class BoundedHeaderDelimitedHandler : HeaderDelimitedMessageHandler, IJsonRpcMessageBufferManager
{
    private const long NotStarted = 0;

    private readonly JsonRpcOptions _options;
    private readonly PipeReader _reader;
    private IJsonRpcMessageBufferManager? _reservedMessage;
    private SequencePosition _reservedEnd;
    private long _frameStartedAt;
    private long _lastActivityAt = Environment.TickCount64;
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
        while (true)
        {
            var result = await _reader.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            bool complete;
            ReadOnlySequence<byte> body;
            SequencePosition consumed;
            try
            {
                complete = HeaderDelimitedFrameParser.TryParse(buffer, _options.MaxHeaderBytes, _options.MaxMessageBytes, out body, out consumed);
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
                _reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            Volatile.Write(ref _frameStartedAt, NotStarted);
            Touch();
            JsonRpcMessage message;
            try
            {
                message = Formatter.Deserialize(body);
            }
            catch
            {
                _reader.AdvanceTo(consumed);
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
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivityAt, Environment.TickCount64);
}
