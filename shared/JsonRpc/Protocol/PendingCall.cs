using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>An outgoing request waiting for its response.</summary>
internal abstract class PendingCall
{
    /// <summary>Completes with the <c>result</c> member, deserialized on the reader's thread before the document goes away.</summary>
    public abstract void SetResult(JsonElement result, JsonSerializerOptions options);

    public abstract void SetException(Exception exception);

    public abstract void SetCanceled(CancellationToken cancellationToken);
}

/// <summary>An outgoing request whose result is a <typeparamref name="T"/> (ignored when <c>discardResult</c>).</summary>
internal sealed class PendingCall<T>(bool discardResult) : PendingCall
{
    // Asynchronous continuations: the caller's code must never run on (and stall) the reader loop.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void SetResult(JsonElement result, JsonSerializerOptions options)
    {
        if (discardResult)
        {
            _completion.TrySetResult(default!);
            return;
        }

        try
        {
            _completion.TrySetResult(result.Deserialize<T>(options)!);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            _completion.TrySetException(ex);
        }
    }

    public override void SetException(Exception exception) => _completion.TrySetException(exception);

    public override void SetCanceled(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
