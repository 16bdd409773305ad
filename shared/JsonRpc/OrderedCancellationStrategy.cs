using StreamJsonRpc;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// LSP cancellation (<c>$/cancelRequest</c> with the request's id) as StreamJsonRpc does it, except that the notice
/// for an outgoing call is queued at once, on the canceller's thread, instead of from a later thread-pool task: a
/// caller that cancels and then calls again is sure the peer sees the cancel first (what the peer observes is in
/// the order the caller acted). Incoming cancellation stays StreamJsonRpc's.
/// </summary>
internal sealed class OrderedCancellationStrategy(StreamJsonRpc.JsonRpc rpc, ICancellationStrategy standard) : ICancellationStrategy
{
    private const string CancelRequestMethod = "$/cancelRequest";

    public void CancelOutboundRequest(RequestId requestId)
    {
        if (rpc.IsDisposed)
        {
            return;
        }

        var notice = rpc.NotifyWithParameterObjectAsync(CancelRequestMethod, new Dictionary<string, object?> { ["id"] = requestId }, null);

        // Best effort: a connection closing meanwhile just loses the notice.
        _ = notice.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public void OutboundRequestEnded(RequestId requestId) => standard.OutboundRequestEnded(requestId);

    public void IncomingRequestStarted(RequestId requestId, CancellationTokenSource cancellationTokenSource)
        => standard.IncomingRequestStarted(requestId, cancellationTokenSource);

    public void IncomingRequestEnded(RequestId requestId) => standard.IncomingRequestEnded(requestId);
}
