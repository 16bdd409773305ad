using System.Text.Json;
using Jumpstart.Shared.JsonRpc.Protocol;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Calls to the peer: requests, notifications, their responses and cancellation.</summary>
public sealed partial class JsonRpcConnection
{
    /// <summary>
    /// Calls <paramref name="method"/> and waits for its result. <paramref name="arguments"/>: null
    /// (no params), an <c>object?[]</c> (positional) or any other object (named: its serialized
    /// properties). Cancelling sends <c>$/cancelRequest</c> and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="RemoteInvocationException">The peer answered with an error.</exception>
    /// <exception cref="ConnectionLostException">The connection closed before the answer arrived.</exception>
    public Task<TResult> InvokeAsync<TResult>(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => InvokeCoreAsync(new PendingCall<TResult>(discardResult: false), method, arguments, cancellationToken);

    /// <summary>Like <see cref="InvokeAsync{TResult}"/> for methods whose result is ignored.</summary>
    public Task InvokeAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => InvokeCoreAsync(new PendingCall<object?>(discardResult: true), method, arguments, cancellationToken);

    /// <summary>Sends a notification (no id, no answer).</summary>
    public async Task NotifyAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        cancellationToken.ThrowIfCancellationRequested();
        var message = MessageWriter.Request(id: null, method, arguments, _options.SerializerOptions);
        if (!await EnqueueAsync(message, cancellationToken))
        {
            throw Lost(method);
        }
    }

    private async Task<T> InvokeCoreAsync<T>(PendingCall<T> call, string method, object? arguments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);

        // Serialize first: an argument that cannot be serialized fails the caller and sends nothing.
        var message = MessageWriter.Request(RequestId.FromNumber(id), method, arguments, _options.SerializerOptions);
        _pendingCalls[id] = call;
        if (CloseReason != JsonRpcCloseReason.None)
        {
            // Shutdown may have swept the table just before we added to it.
            _pendingCalls.TryRemove(id, out _);
            message.Dispose();
            throw Lost(method);
        }

        try
        {
            if (!await EnqueueAsync(message, cancellationToken))
            {
                throw Lost(method);
            }
        }
        catch
        {
            _pendingCalls.TryRemove(id, out _);
            throw;
        }

        await using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((CancelState)state!).Cancel(), new CancelState(this, id, cancellationToken))
            : default;
        return await call.Task;
    }

    /// <summary>Called by the reader for every response (§5).</summary>
    private void CompleteCall(in IncomingMessage response)
    {
        if (response.Id.Text is not null || response.Id.IsNull || !_pendingCalls.TryRemove(response.Id.Number, out var call))
        {
            JsonRpcLog.UnknownResponse(_logger, response.Id.ToString());
            return;
        }

        if (response.Error.ValueKind == JsonValueKind.Object)
        {
            call.SetException(ReadError(response.Error));
        }
        else
        {
            call.SetResult(response.Result, _options.SerializerOptions);
        }
    }

    private static RemoteInvocationException ReadError(JsonElement error)
    {
        // §5.1: code is an integer, message a string, data optional; a sloppy peer still gets its error through.
        var code = error.TryGetProperty(ProtocolNames.Code, out var codeElement) && codeElement.TryGetInt32(out var number)
            ? number
            : JsonRpcErrorCodes.InternalError;
        var message = error.TryGetProperty(ProtocolNames.Message, out var messageElement) && messageElement.ValueKind == JsonValueKind.String
            ? messageElement.GetString()!
            : "the peer sent an error without a message";
        JsonElement? data = error.TryGetProperty(ProtocolNames.Data, out var dataElement) ? dataElement.Clone() : null;
        return new RemoteInvocationException(code, message, data);
    }

    private void CancelOutgoing(long id, CancellationToken cancellationToken)
    {
        if (!_pendingCalls.TryRemove(id, out var call))
        {
            return;
        }

        call.SetCanceled(cancellationToken);

        // LSP "Cancellation Support": tell the peer, best effort; the late answer is dropped as unknown.
        var notice = MessageWriter.CancelRequest(id);
        if (!_outgoing.Writer.TryWrite(notice))
        {
            _ = EnqueueAsync(notice, CancellationToken.None).AsTask();
        }
    }

    private ConnectionLostException Lost(string method)
        => new($"the JSON-RPC connection is closed ({CloseReason}); '{method}' was not sent");

    private sealed record CancelState(JsonRpcConnection Connection, long Id, CancellationToken Token)
    {
        public void Cancel() => Connection.CancelOutgoing(Id, Token);
    }
}
