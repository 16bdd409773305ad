using System.Text.Json;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Remote;

/// <summary>The methods of a <see cref="ClusterProtocols.Control"/> connection; <paramref name="connection"/>'s peer is authenticated.</summary>
internal sealed class RemoteControlTarget(RemoteControl remote, ClusterConnection connection, JsonRpcPeer peer)
{
    [JsonRpcMethod(RemoteControlMethods.Relay, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> RelayAsync(ClusterInvokeRequest request, CancellationToken cancellationToken)
        => remote.RelayAsync(request, peer, connection.PeerName!, cancellationToken);

    [JsonRpcMethod(RemoteControlMethods.Run, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> RunAsync(ClusterInvokeRequest request, CancellationToken cancellationToken)
        => remote.RunFromAsync(connection.PeerName!, request, peer, cancellationToken);
}
