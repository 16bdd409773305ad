using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Remote;

/// <summary>
/// <see cref="RemoteControlMethods.Invoke"/> on hostd's control socket (what the CLI's <c>--host</c> sends); one
/// instance per control connection, whose client receives the target's progress notes.
/// </summary>
public sealed class RemoteControlApi(ClusterService cluster, JsonRpcPeer connection)
{
    /// <summary>Runs a control-socket method on another host: its raw result, or its error unchanged.</summary>
    [JsonRpcMethod(RemoteControlMethods.Invoke, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> InvokeAsync(ClusterInvokeRequest request, CancellationToken cancellationToken)
        => cluster.RemoteControl.InvokeAsync(request, connection, cancellationToken);
}
