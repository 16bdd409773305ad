using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>
/// What a member may call on the manager over mutual TLS. <paramref name="name"/> is the name in the member's
/// certificate, checked in the handshake: a host speaks only for itself.
/// </summary>
internal sealed class ManagerRpcTarget(ClusterManager manager, string name, JsonRpcPeer peer)
{
    [JsonRpcMethod(ClusterMethods.ManagerHello, UseSingleObjectParameterDeserialization = true)]
    public Task<HelloResult> HelloAsync(HostHello hello, CancellationToken cancellationToken)
        => manager.HelloAsync(name, peer, hello, cancellationToken);

    [JsonRpcMethod(ClusterMethods.ManagerHeartbeat, UseSingleObjectParameterDeserialization = true)]
    public Task<HeartbeatResult> HeartbeatAsync(HostHeartbeat heartbeat, CancellationToken cancellationToken)
        => manager.HeartbeatAsync(name, heartbeat?.Capacity!, cancellationToken);

    [JsonRpcMethod(ClusterMethods.ManagerRevocations)]
    public RevocationListMessage Revocations() => manager.Revocations();

    [JsonRpcMethod(ClusterMethods.ManagerHosts)]
    public Task<ClusterHostInfo[]> HostsAsync(CancellationToken cancellationToken) => manager.ListHostsAsync(cancellationToken);

    [JsonRpcMethod(ClusterMethods.ManagerDistributionPlan, UseSingleObjectParameterDeserialization = true)]
    public Task<DistributionPlan> PlanDistributionAsync(DistributionPlanRequest request, CancellationToken cancellationToken)
        => manager.PlanDistributionAsync(name, request, cancellationToken);

    [JsonRpcMethod(ClusterMethods.ManagerDistributionRecord, UseSingleObjectParameterDeserialization = true)]
    public void RecordDistribution(DistributionRecord record) => manager.RecordDistribution(name, record);
}
