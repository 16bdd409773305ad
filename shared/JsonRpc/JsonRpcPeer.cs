using System.IO.Pipelines;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.JsonRpc.Framing;
using Jumpstart.Shared.Sockets;
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
    /// <summary>Our assemblies' names start so (Jumpstart.Shared, Jumpstart.Hostd, Jumpstart.Guestd, tests).</summary>
    private const string OurAssemblyPrefix = "Jumpstart";

    /// <summary>A flood of bad frames (each closing its connection) logs one line per 10 s with the count held back,
    /// all connections of the process together.</summary>
    private static readonly LogThrottle s_framingErrors = new(TimeSpan.FromSeconds(10));

    private readonly ILogger _logger;

    private JsonRpcPeer(BoundedHeaderDelimitedHandler handler, ILogger logger, PeerCredentials? credentials)
        : base(handler)
    {
        Handler = handler;
        _logger = logger;
        Credentials = credentials;

        // A handler's token fires when its caller goes away (a guest dropping a long-poll frees the server's work).
        CancelLocallyInvokedMethodsWhenConnectionIsClosed = true;
        CancellationStrategy = new OrderedCancellationStrategy(this, CancellationStrategy!);
        Disconnected += (_, e) =>
        {
            if (Handler.Violation is { } violation && s_framingErrors.TryEnter(out var heldBack))
            {
                JsonRpcLog.FramingError(_logger, violation.Message, heldBack);
            }
        };
    }

    /// <summary>The framing under this connection (for the server's slow-sender and idle checks).</summary>
    public BoundedHeaderDelimitedHandler Handler { get; }

    /// <summary>Who is at the other end of a unix socket (SO_PEERCRED); null for TCP and streams.</summary>
    public PeerCredentials? Credentials { get; }

    /// <summary>
    /// When set, every call made through <see cref="InvokeAsync{TResult}(string, object?, CancellationToken)"/> is
    /// rewritten by it before it is sent (the CLI's <c>--host</c> relay); notifications and <c>$/cancelRequest</c> are not.
    /// </summary>
    public IOutgoingCallRewriter? CallRewriter { get; set; }

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
    /// <remarks>
    /// Cancelling sends <c>$/cancelRequest</c> and ends the call at once with <see cref="OperationCanceledException"/>:
    /// a caller's timeout holds even when the peer never answers (StreamJsonRpc alone would wait for the answer).
    /// </remarks>
    public Task<TResult> InvokeAsync<TResult>(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => cancellationToken.CanBeCanceled ? AbandonOnCancelAsync(() => Start<TResult>(method, arguments, cancellationToken), cancellationToken) : Start<TResult>(method, arguments, cancellationToken);

    /// <summary>Like <see cref="InvokeAsync{TResult}(string, object?, CancellationToken)"/> for methods whose result is ignored.</summary>
    public Task InvokeAsync(string method, object? arguments = null, CancellationToken cancellationToken = default)
        => cancellationToken.CanBeCanceled
            ? AbandonOnCancelAsync(async () => { await Start<object?>(method, arguments, cancellationToken); return true; }, cancellationToken)
            : Start<object?>(method, arguments, cancellationToken);

    private Task<TResult> Start<TResult>(string method, object? arguments, CancellationToken cancellationToken)
    {
        if (CallRewriter is { } rewriter)
        {
            (method, arguments) = rewriter.Rewrite(method, arguments);
        }

        return Send<TResult>(method, arguments, cancellationToken);
    }

    private Task<TResult> Send<TResult>(string method, object? arguments, CancellationToken cancellationToken) => arguments switch
    {
        null => InvokeWithCancellationAsync<TResult>(method, null, cancellationToken),
        object?[] positional => InvokeWithCancellationAsync<TResult>(method, positional, cancellationToken),
        _ => InvokeWithParameterObjectAsync<TResult>(method, arguments, cancellationToken),
    };

    private static async Task<T> AbandonOnCancelAsync<T>(Func<Task<T>> start, CancellationToken cancellationToken)
    {
        // Registered before StreamJsonRpc registers its own callback, so it runs after it (token callbacks run last
        // registered first): the $/cancelRequest is queued before the caller goes on to its next call.
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled);
        var call = start();
        if (await Task.WhenAny(call, cancelled.Task) == call)
        {
            return await call;
        }

        // The late answer (or failure) is dropped.
        _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        throw new OperationCanceledException(cancellationToken);
    }

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
            case RpcArgumentDeserializationException or System.Text.Json.JsonException when !RaisedByOurCode(exception):
                // The params did not bind (a missing required member, a wrong type) before any method of ours ran:
                // the caller's request to fix, as JSON-RPC §5.1 says.
                return new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InvalidParams, Message = "Invalid params: " + exception.Message };
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

    /// <summary>True when a frame of one of our assemblies is on the exception's stack (a handler threw it).</summary>
    private static bool RaisedByOurCode(Exception exception)
        => new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false).GetFrames()
            .Any(frame => frame.GetMethod()?.DeclaringType?.Assembly.GetName().Name?.StartsWith(OurAssemblyPrefix, StringComparison.Ordinal) == true);

    /// <inheritdoc />
    protected override Type? GetErrorDetailsDataType(JsonRpcError error) => typeof(System.Text.Json.JsonElement);

    /// <summary>
    /// Every error answer but Method not found becomes a <see cref="RemoteInvocationException"/> with its code and its
    /// <c>data</c> as raw JSON (a <see cref="System.Text.Json.JsonElement"/>, or null). StreamJsonRpc would report Invalid
    /// params as <see cref="RemoteMethodNotFoundException"/>; ours is a refusal like any other (the CMS answers -32602
    /// for a malformed request).
    /// </summary>
    protected override RemoteRpcException CreateExceptionFromRpcError(JsonRpcRequest request, JsonRpcError response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Error is not { } error || error.Code is JsonRpcErrorCode.MethodNotFound or JsonRpcErrorCode.RequestCanceled)
        {
            return base.CreateExceptionFromRpcError(request, response);
        }

        // GetErrorDetailsDataType made StreamJsonRpc deserialize data into a JsonElement that owns its memory.
        var data = error.Data is System.Text.Json.JsonElement { ValueKind: not (System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null) } element
            ? (object)element
            : null;
        return new RemoteInvocationException(error.Message, (int)error.Code, data, data);
    }

    /// <inheritdoc />
    protected override bool IsFatalException(Exception ex) => false;
}
