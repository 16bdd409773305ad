using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// One JSON-RPC 2.0 peer on a byte stream, framed with Content-Length headers (StreamJsonRpc's
/// HeaderDelimitedMessageHandler, the LSP base protocol). Both sides may call and be called.
/// </summary>
/// <remarks>
/// STUB CONTRACT: the signatures below are the agreed API; the implementation lands with the
/// JSON-RPC work. Spec: https://www.jsonrpc.org/specification.
/// </remarks>
public sealed class JsonRpcConnection : IAsyncDisposable
{
    /// <summary>A connection over one duplex stream (socket).</summary>
    public JsonRpcConnection(Stream duplex, JsonRpcOptions? options = null, ILogger? logger = null)
        : this(duplex, duplex, options, logger)
    {
    }

    /// <summary>A connection over separate input and output streams (pipes, stdio).</summary>
    public JsonRpcConnection(Stream input, Stream output, JsonRpcOptions? options = null, ILogger? logger = null)
    {
        _ = input;
        _ = output;
        _ = options;
        _ = logger;
        throw new NotImplementedException();
    }

    /// <summary>Completes when the connection has closed (end of stream, error, or dispose).</summary>
    public Task Completion => throw new NotImplementedException();

    /// <summary>
    /// Binds the public instance methods of <paramref name="target"/>. A method's wire name is its
    /// <see cref="JsonRpcMethodAttribute"/> name, else its own name with an "Async" suffix removed.
    /// Parameters bind by name (params object) or position (params array); a trailing
    /// <see cref="CancellationToken"/> is signalled by <c>$/cancelRequest</c> or by disconnect.
    /// Must be called before <see cref="StartListening"/>.
    /// </summary>
    public void AddLocalTarget(object target) => throw new NotImplementedException();

    /// <summary>Binds one method to a delegate, with the same binding rules as <see cref="AddLocalTarget"/>.</summary>
    public void AddMethod(string name, Delegate handler) => throw new NotImplementedException();

    /// <summary>Starts reading messages. Calls may be issued before or after.</summary>
    public void StartListening() => throw new NotImplementedException();

    /// <summary>
    /// Calls <paramref name="method"/> and waits for its result. <paramref name="arguments"/>: null
    /// (no params), an <c>object?[]</c> (positional) or any other object (named: its serialized
    /// properties). Cancelling sends <c>$/cancelRequest</c> and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="RemoteInvocationException">The peer answered with an error.</exception>
    /// <exception cref="ConnectionLostException">The connection closed before the answer arrived.</exception>
    public Task<TResult> InvokeAsync<TResult>(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Like <see cref="InvokeAsync{TResult}"/> for methods whose result is ignored.</summary>
    public Task InvokeAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Sends a notification (no id, no answer).</summary>
    public Task NotifyAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Graceful close: stops reading, fails pending calls with <see cref="ConnectionLostException"/>, closes the stream.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
