namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Turns each call a <see cref="JsonRpcPeer"/> makes into another one before it is sent (its
/// <see cref="JsonRpcPeer.CallRewriter"/>): e.g. the CLI's <c>--host</c> wraps every hostd method into
/// <c>cluster.invoke</c>, so no command needs to know that it runs on another host.
/// </summary>
public interface IOutgoingCallRewriter
{
    /// <summary>
    /// The method and arguments to send instead of <paramref name="method"/> and <paramref name="arguments"/> (null,
    /// positional <c>object?[]</c> or a named-params object, as <see cref="JsonRpcPeer.InvokeAsync{TResult}"/> takes
    /// them). The answer to the new call must be the answer to the old one: it is read as the caller's result type.
    /// </summary>
    (string Method, object? Arguments) Rewrite(string method, object? arguments);
}
