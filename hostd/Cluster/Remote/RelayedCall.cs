using System.Text;
using System.Text.Json;
using Jumpstart.Hostd.Api;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Remote;

/// <summary>One hop of a relayed call: send it on, hand back the answer exactly as it came (result, or error code, message and data).</summary>
internal static class RelayedCall
{
    /// <summary>
    /// Calls <paramref name="method"/> on <paramref name="next"/> and returns its raw result, after every progress note
    /// it sent was handed on (<paramref name="progress"/>), so the notes precede the answer on the caller's connection.
    /// </summary>
    /// <exception cref="LocalRpcException">The next hop answered with an error: the same code, message and data, for the caller.</exception>
    /// <exception cref="ClusterUnreachableException">The next hop closed the connection before it answered.</exception>
    public static async Task<JsonElement> InvokeAsync(JsonRpcPeer next, string method, object? arguments, IOrderedProgress progress, string nextName, CancellationToken cancellationToken)
    {
        try
        {
            var result = await next.InvokeAsync<JsonElement>(method, arguments, cancellationToken);
            await progress.FlushAsync();
            return result;
        }
        catch (RemoteInvocationException ex)
        {
            await progress.FlushAsync();
            throw new LocalRpcException(ex.Message) { ErrorCode = ex.ErrorCode, ErrorData = ex.ErrorData };
        }
        catch (RemoteMethodNotFoundException ex)
        {
            await progress.FlushAsync();
            throw new LocalRpcException(ex.Message) { ErrorCode = (int)ex.ErrorCode };
        }
        catch (ConnectionLostException ex) when (next.Handler.Violation is { } violation)
        {
            throw new ClusterRequestException($"the answer of {method} from {nextName} was refused: {violation.Message} (a relayed answer carries at most {RemoteControl.MaxRelayedBytes} bytes)", ex);
        }
        catch (ConnectionLostException ex)
        {
            throw new ClusterUnreachableException($"{nextName} closed the connection before answering {method}", ex);
        }
    }

    /// <summary>Hands every progress note the next hop sends on to <paramref name="progress"/> (a peer's configure step).</summary>
    public static Action<JsonRpcPeer> ProgressTo(IProgress<ProgressNote> progress)
        => peer => peer.AddLocalRpcMethod(HostMethods.Progress, (ProgressNote note) => progress.Report(note));

    /// <summary>The params of a relayed call in the form <see cref="JsonRpcPeer.InvokeAsync{TResult}"/> sends unchanged.</summary>
    /// <exception cref="ClusterRequestException">Params that are neither an object nor an array.</exception>
    public static object? ArgumentsOf(JsonElement? parameters) => parameters switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Select(static e => (object?)e).ToArray(),
        { ValueKind: JsonValueKind.Object } named => named.EnumerateObject().ToDictionary(static p => p.Name, static p => (object?)p.Value, StringComparer.Ordinal),
        _ => throw new ClusterRequestException("the params of a relayed call must be an object or an array (JSON-RPC 2.0 §4.2)"),
    };

    /// <summary>The UTF-8 size of <paramref name="element"/> as it travels.</summary>
    public static long SizeOf(JsonElement element) => Encoding.UTF8.GetByteCount(element.GetRawText());
}
