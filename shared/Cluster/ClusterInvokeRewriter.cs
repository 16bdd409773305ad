using System.Text.Json;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Shared.Cluster;

/// <summary>
/// The CLI's <c>--host NAME</c>: every call on the control connection becomes <see cref="RemoteControlMethods.Invoke"/>
/// with the call's method and params, so the local hostd runs it on <paramref name="host"/> and answers with that host's
/// result or error.
/// </summary>
public sealed class ClusterInvokeRewriter(string host) : IOutgoingCallRewriter
{
    /// <summary>The host the calls run on.</summary>
    public string Host { get; } = host;

    public (string Method, object? Arguments) Rewrite(string method, object? arguments)
    {
        // The params exactly as the peer would have written them: the same serializer options as every connection.
        JsonElement? parameters = arguments is null ? null : JsonSerializer.SerializeToElement(arguments, arguments.GetType(), JsonRpcWire.SerializerOptions);
        return (RemoteControlMethods.Invoke, new ClusterInvokeRequest { Host = Host, Method = method, Params = parameters });
    }
}
