using System.Text.Json;
using Jumpstart.Shared.JsonRpc.Dispatch;
using Jumpstart.Shared.JsonRpc.Protocol;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Calls from the peer: binding, invocation, and mapping outcomes to responses (§5, §5.1).</summary>
public sealed partial class JsonRpcConnection
{
    private const string CancelledMessage = "Request cancelled";

    private int _activeCalls;

    /// <summary>
    /// Looks the method up, enforces <see cref="JsonRpcOptions.MaxConcurrentRequests"/> and registers
    /// the call for <c>$/cancelRequest</c>. Runs on the reader. When <see cref="PreparedCall.Method"/>
    /// is null the call is over and <see cref="PreparedCall.Immediate"/> is its answer (null for a notification).
    /// </summary>
    private PreparedCall BeginCall(in IncomingMessage message)
    {
        var isRequest = message.Kind == IncomingKind.Request;
        var name = message.Method!;
        if (!_methods.TryGet(name, out var method))
        {
            JsonRpcLog.MethodNotFound(_logger, name);
            return new PreparedCall(message, null, null, isRequest ? Error(message.Id, JsonRpcErrorCodes.MethodNotFound, $"Method not found: '{name}'") : null);
        }

        if (Interlocked.Increment(ref _activeCalls) > _options.MaxConcurrentRequests)
        {
            // Refuse rather than queue: an unbounded backlog is memory a peer could claim, and waiting would stall the reader.
            Interlocked.Decrement(ref _activeCalls);
            JsonRpcLog.TooManyRequests(_logger, name, _options.MaxConcurrentRequests);
            return new PreparedCall(message, null, null, isRequest ? Error(message.Id, JsonRpcErrorCodes.ServerBusy, $"Server busy: more than {_options.MaxConcurrentRequests} requests in progress") : null);
        }

        // Only methods that can observe cancellation pay for a token source and a table entry.
        CancellationTokenSource? cancellation = null;
        if (method.TakesCancellation)
        {
            cancellation = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
            if (isRequest)
            {
                _incomingCalls.TryAdd(message.Id, cancellation);
            }
        }

        return new PreparedCall(message, method, cancellation, null);
    }

    /// <summary>Runs one prepared call; returns its response, or null for a notification.</summary>
    private async Task<PooledBufferWriter?> HandleCallAsync(PreparedCall call)
    {
        var message = call.Message;
        var method = call.Method!;
        var cancellation = call.Cancellation;
        var isRequest = message.Kind == IncomingKind.Request;
        try
        {
            var arguments = method.BindArguments(message.Params, cancellation?.Token ?? CancellationToken.None, _options.SerializerOptions);
            var result = await method.InvokeAsync(arguments);
            return isRequest ? MessageWriter.Result(message.Id, result, method.ResultType, _options.SerializerOptions) : null;
        }
        catch (InvalidParamsException ex)
        {
            return isRequest ? Error(message.Id, JsonRpcErrorCodes.InvalidParams, "Invalid params: " + ex.Message) : null;
        }
        catch (LocalRpcException ex)
        {
            return isRequest ? Error(message.Id, ex.Code, ex.Message, ex.ErrorData) : null;
        }
        catch (OperationCanceledException) when (cancellation?.IsCancellationRequested == true)
        {
            return isRequest ? Error(message.Id, JsonRpcErrorCodes.RequestCancelled, CancelledMessage) : null;
        }
        catch (Exception ex)
        {
            // Any other failure is the handler's bug or a dependency's; the peer learns the message and type, the log the rest.
            JsonRpcLog.HandlerFailed(_logger, method.Name, ex);
            return isRequest ? Error(message.Id, JsonRpcErrorCodes.InternalError, ex.Message, new InternalErrorData(ex.GetType().FullName ?? ex.GetType().Name)) : null;
        }
        finally
        {
            Interlocked.Decrement(ref _activeCalls);
            if (cancellation is not null)
            {
                // Remove only our own entry: a peer may reuse an id once we answered.
                _incomingCalls.TryRemove(new KeyValuePair<RequestId, CancellationTokenSource>(message.Id, cancellation));
                cancellation.Dispose();
            }
        }
    }

    /// <summary>LSP <c>$/cancelRequest</c>: <c>{"id": ...}</c> names a request in progress; unknown ids are ignored.</summary>
    private void CancelIncoming(JsonElement parameters)
    {
        if (parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty(ProtocolNames.Id, out var idElement)
            && RequestId.TryRead(idElement, out var id)
            && _incomingCalls.TryGetValue(id, out var cancellation))
        {
            JsonRpcLog.CancelledByPeer(_logger, id.ToString());
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call finished between the lookup and the cancel.
            }
        }
    }

    private PooledBufferWriter Error(RequestId id, int code, string message, object? data = null)
        => MessageWriter.Error(id, code, message, data, _options.SerializerOptions);

    /// <summary>A call from the peer, checked and registered on the reader, not yet run.</summary>
    private readonly record struct PreparedCall(IncomingMessage Message, RpcMethod? Method, CancellationTokenSource? Cancellation, PooledBufferWriter? Immediate);

    /// <summary>The <c>data</c> of an Internal error: which exception type the handler threw.</summary>
    private sealed record InternalErrorData(string Type);
}
