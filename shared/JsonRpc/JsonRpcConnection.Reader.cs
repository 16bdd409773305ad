using System.Buffers;
using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Shared.JsonRpc.Framing;
using Jumpstart.Shared.JsonRpc.Protocol;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>The reader loop: frames in, messages classified and dispatched.</summary>
public sealed partial class JsonRpcConnection
{
    private async Task ReadLoopAsync()
    {
        var reason = JsonRpcCloseReason.EndOfStream;
        try
        {
            while (true)
            {
                var read = await _reader.ReadAsync(_closing.Token);
                var buffer = read.Buffer;
                var consumed = buffer.Start;
                try
                {
                    while (HeaderDelimitedFrameParser.TryParse(buffer, _options.MaxHeaderBytes, _options.MaxMessageBytes, out var body, out var end))
                    {
                        await OnFrameAsync(body);
                        buffer = buffer.Slice(end);
                        consumed = end;
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        if (!buffer.IsEmpty)
                        {
                            JsonRpcLog.TruncatedMessage(_logger, buffer.Length);
                            reason = JsonRpcCloseReason.TruncatedMessage;
                        }

                        break;
                    }
                }
                finally
                {
                    // Kestrel's pattern: consumed = whole frames only; examined = everything, so the next read waits for more bytes.
                    _reader.AdvanceTo(consumed, read.Buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            reason = JsonRpcCloseReason.Disposed;
        }
        catch (JsonRpcFramingException ex)
        {
            JsonRpcLog.FramingError(_logger, ex.Message);
            reason = JsonRpcCloseReason.FramingError;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            if (!_closing.IsCancellationRequested)
            {
                JsonRpcLog.TransportFailed(_logger, ex);
            }

            reason = JsonRpcCloseReason.TransportError;
        }
        finally
        {
            await _reader.CompleteAsync();
        }

        _ = ShutdownAsync(reason);
    }

    /// <summary>One frame: parse, then answer inline what is cheap and hand requests to the pool.</summary>
    private async ValueTask OnFrameAsync(ReadOnlySequence<byte> body)
    {
        ReceivedMessage received;
        try
        {
            received = ReceivedMessage.Parse(body);
        }
        catch (JsonException ex)
        {
            // §5.1 -32700; the frame boundary is intact, so the connection survives a bad body.
            JsonRpcLog.ParseError(_logger, ex.Message);
            await EnqueueAsync(MessageWriter.Error(RequestId.Null, JsonRpcErrorCodes.ParseError, "Parse error: " + ex.Message, null, _options.SerializerOptions), _closing.Token);
            return;
        }

        if (received.Root.ValueKind == JsonValueKind.Array)
        {
            await OnBatchAsync(received);
            return;
        }

        var message = IncomingMessage.Classify(received.Root);
        if (IsCall(message))
        {
            // Prepared here, on the reader, so that a $/cancelRequest in the very next frame finds the call registered.
            var call = BeginCall(message);
            if (call.Method is not null)
            {
                _ = Task.Run(() => ProcessSingleAsync(received, call));
                return;
            }

            received.Dispose();
            await EnqueueIfAnyAsync(call.Immediate);
            return;
        }

        using (received)
        {
            await EnqueueIfAnyAsync(HandleInline(message));
        }
    }

    /// <summary>Requests and notifications run user code; responses, cancellations and invalid messages do not.</summary>
    private static bool IsCall(in IncomingMessage message)
        => message.Kind is IncomingKind.Request
           || (message.Kind is IncomingKind.Notification && message.Method != ProtocolNames.CancelRequest);

    private async ValueTask EnqueueIfAnyAsync(PooledBufferWriter? answer)
    {
        if (answer is not null)
        {
            await EnqueueAsync(answer, _closing.Token);
        }
    }

    /// <summary>Responses, cancellations and invalid messages: no user code runs, so they are handled on the reader.</summary>
    private PooledBufferWriter? HandleInline(in IncomingMessage message)
    {
        switch (message.Kind)
        {
            case IncomingKind.Response:
                CompleteCall(message);
                return null;
            case IncomingKind.Notification:
                CancelIncoming(message.Params);
                return null;
            default:
                JsonRpcLog.InvalidRequest(_logger, message.Problem ?? "");
                return InvalidRequest(message.Id, message.Problem);
        }
    }

    private async Task ProcessSingleAsync(ReceivedMessage received, PreparedCall call)
    {
        using (received)
        {
            var answer = await HandleCallAsync(call);
            if (answer is not null)
            {
                await EnqueueQuietlyAsync(answer);
            }
        }
    }

    /// <summary>JSON-RPC 2.0 §6: answers in one array, nothing when all were notifications, one error for an empty batch.</summary>
    private async ValueTask OnBatchAsync(ReceivedMessage received)
    {
        var length = received.Root.GetArrayLength();
        if (length == 0 || length > _options.MaxBatchLength)
        {
            received.Dispose();
            var problem = length == 0 ? "empty batch" : $"batch of {length} exceeds the limit of {_options.MaxBatchLength}";
            JsonRpcLog.InvalidRequest(_logger, problem);
            await EnqueueAsync(InvalidRequest(RequestId.Null, problem), _closing.Token);
            return;
        }

        var entries = new List<PreparedCall>(length);
        foreach (var element in received.Root.EnumerateArray())
        {
            var message = IncomingMessage.Classify(element);
            entries.Add(IsCall(message) ? BeginCall(message) : new PreparedCall(message, null, null, HandleInline(message)));
        }

        _ = Task.Run(() => ProcessBatchAsync(received, entries));
    }

    private async Task ProcessBatchAsync(ReceivedMessage received, List<PreparedCall> entries)
    {
        using (received)
        {
            var pending = entries.Select(call => call.Method is null ? Task.FromResult(call.Immediate) : Task.Run(() => HandleCallAsync(call)));
            var answers = (await Task.WhenAll(pending)).OfType<PooledBufferWriter>().ToList();
            if (answers.Count == 0)
            {
                return;
            }

            try
            {
                await EnqueueQuietlyAsync(MessageWriter.Batch(answers));
            }
            finally
            {
                answers.ForEach(answer => answer.Dispose());
            }
        }
    }

    /// <summary>Queues an answer; when the connection is closing the answer is dropped (the peer is gone).</summary>
    private async Task EnqueueQuietlyAsync(PooledBufferWriter answer)
    {
        try
        {
            await EnqueueAsync(answer, _closing.Token);
        }
        catch (OperationCanceledException)
        {
            // Closing: nobody is left to read the answer.
        }
    }

    private PooledBufferWriter InvalidRequest(RequestId id, string? problem)
        => MessageWriter.Error(id, JsonRpcErrorCodes.InvalidRequest, "Invalid Request: " + problem, null, _options.SerializerOptions);
}
