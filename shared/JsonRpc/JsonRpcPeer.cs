using System.IO.Pipelines;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.JsonRpc.Framing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// One JSON-RPC 2.0 connection: StreamJsonRpc's <see cref="StreamJsonRpc.JsonRpc"/> over our bounded Content-Length
/// framing (<see cref="BoundedHeaderDelimitedHandler"/>) with the System.Text.Json formatter (<see cref="JsonRpcWire"/>).
/// Both sides may call and be called.
/// </summary>
/// <remarks>
/// What it adds to StreamJsonRpc: errors. A <see cref="JumpstartException"/> thrown by a method becomes its own code,
/// message and data; a <see cref="LocalRpcException"/> keeps its code; anything else is a bug: Internal error (-32603)
/// with the exception's type in <c>data</c>, and a log entry. Received error data stays raw JSON
/// (<see cref="RemoteInvocationException.ErrorData"/> is a <see cref="System.Text.Json.JsonElement"/>).
/// </remarks>
public sealed class JsonRpcPeer : StreamJsonRpc.JsonRpc, IAsyncDisposable
{
    private readonly ILogger _logger;

    private JsonRpcPeer(BoundedHeaderDelimitedHandler handler, ILogger logger, PeerCredentials? credentials)
        : base(handler)
    {
        Handler = handler;
        _logger = logger;
        Credentials = credentials;
        Disconnected += (_, e) =>
        {
            if (Handler.Violation is { } violation)
            {
                JsonRpcLog.FramingError(_logger, violation.Message);
            }
        };
    }

    /// <summary>The framing under this connection (for the server's slow-sender and idle checks).</summary>
    public BoundedHeaderDelimitedHandler Handler { get; }

    /// <summary>Who is at the other end of a unix socket (SO_PEERCRED); null for TCP and streams.</summary>
    public PeerCredentials? Credentials { get; }

    /// <summary>
    /// A connection over a duplex stream, not yet listening: add targets, then call
    /// <see cref="StreamJsonRpc.JsonRpc.StartListening"/>.
    /// </summary>
    public static JsonRpcPeer Create(Stream duplex, JsonRpcOptions? options = null, ILogger? logger = null, PeerCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(duplex);
        return Create(
            PipeReader.Create(duplex, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(duplex, new StreamPipeWriterOptions(leaveOpen: false)),
            options,
            logger,
            credentials);
    }

    /// <summary>A connection over separate input and output streams (pipes, stdio), not yet listening.</summary>
    public static JsonRpcPeer Create(Stream input, Stream output, JsonRpcOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return Create(
            PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: false)),
            PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: false)),
            options,
            logger,
            credentials: null);
    }

    private static JsonRpcPeer Create(PipeReader reader, PipeWriter writer, JsonRpcOptions? options, ILogger? logger, PeerCredentials? credentials)
    {
        var handler = new BoundedHeaderDelimitedHandler(writer, reader, JsonRpcWire.CreateFormatter(), options ?? new JsonRpcOptions());
        return new JsonRpcPeer(handler, logger ?? NullLogger.Instance, credentials);
    }

    /// <summary>
    /// Calls <paramref name="method"/> and waits for its result. <paramref name="arguments"/>: null (no params), an
    /// <c>object?[]</c> (positional params) or any other object (named params: its serialized properties).
    /// </summary>
    /// <exception cref="RemoteInvocationException">The peer answered with an error.</exception>
    /// <exception cref="RemoteMethodNotFoundException">The peer has no such method.</exception>
    /// <exception cref="ConnectionLostException">The connection closed before the answer arrived.</exception>
    public Task<TResult> InvokeAsync<TResult>(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => arguments switch
        {
            null => InvokeWithCancellationAsync<TResult>(method, null, cancellationToken),
            object?[] positional => InvokeWithCancellationAsync<TResult>(method, positional, cancellationToken),
            _ => InvokeWithParameterObjectAsync<TResult>(method, arguments, cancellationToken),
        };

    /// <summary>Like <see cref="InvokeAsync{TResult}(string, object?, CancellationToken)"/> for methods whose result is ignored.</summary>
    public Task InvokeAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => arguments switch
        {
            null => InvokeWithCancellationAsync(method, null, cancellationToken),
            object?[] positional => InvokeWithCancellationAsync(method, positional, cancellationToken),
            _ => InvokeWithParameterObjectAsync(method, arguments, cancellationToken),
        };

    /// <summary>Closes the connection and waits until its message loop has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        try
        {
            await Completion;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Completion faults when the connection ended on an error; closing it is all that was asked.
        }
    }

    /// <inheritdoc />
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        switch (exception)
        {
            case JumpstartException answer:
                JsonRpcLog.Refused(_logger, request.Method ?? "?", answer.RpcCode, answer.Message);
                return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)answer.RpcCode, Message = answer.Message, Data = answer.RpcData };
            case LocalRpcException local:
                return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)local.ErrorCode, Message = local.Message, Data = local.ErrorData };
            default:
                // A bug or a dependency's failure: the peer learns the message and type, the log the rest.
                JsonRpcLog.HandlerFailed(_logger, request.Method ?? "?", exception);
                return new JsonRpcError.ErrorDetail
                {
                    Code = (JsonRpcErrorCode)JsonRpcErrorCodes.InternalError,
                    Message = exception.Message,
                    Data = new InternalErrorData(exception.GetType().FullName ?? exception.GetType().Name),
                };
        }
    }

    /// <inheritdoc />
    protected override Type? GetErrorDetailsDataType(JsonRpcError error) => null;

    /// <summary>
    /// StreamJsonRpc reports an Invalid params answer as <see cref="RemoteMethodNotFoundException"/>; ours is a refusal
    /// like any other (the CMS answers -32602 for a malformed request), so it stays a <see cref="RemoteInvocationException"/>
    /// with its code. Method not found keeps StreamJsonRpc's type.
    /// </summary>
    protected override RemoteRpcException CreateExceptionFromRpcError(JsonRpcRequest request, JsonRpcError response)
        => response.Error is { Code: JsonRpcErrorCode.InvalidParams } error
            ? new RemoteInvocationException(error.Message, (int)error.Code, error.Data, error.Data)
            : base.CreateExceptionFromRpcError(request, response);

    /// <inheritdoc />
    protected override bool IsFatalException(Exception ex) => false;
}
