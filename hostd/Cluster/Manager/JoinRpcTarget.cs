using System.Net;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>
/// What an anonymous joiner may call on the manager (ALPN <see cref="ClusterProtocols.Join"/>): fetch the CA
/// certificate, then present a token with a certificate signing request. Nothing else.
/// </summary>
internal sealed class JoinRpcTarget(ClusterManager manager, ClusterConnection connection)
{
    [JsonRpcMethod(ClusterMethods.JoinCa)]
    public JoinCaResult Ca() => new() { CaCertificate = manager.CaPem };

    [JsonRpcMethod(ClusterMethods.JoinRequest, UseSingleObjectParameterDeserialization = true)]
    public Task<JoinGrant> RequestAsync(JoinSigningRequest request, CancellationToken cancellationToken)
        => manager.JoinAsync(request, connection.RemoteEndPoint?.Address ?? IPAddress.None, cancellationToken);
}
