using Jumpstart.Shared.Cluster;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Agent;

/// <summary>What the manager may call on a member over the member's connection: the revocation list push.</summary>
internal sealed class AgentRpcTarget(ClusterAgent agent)
{
    [JsonRpcMethod(ClusterMethods.HostRevocations, UseSingleObjectParameterDeserialization = true)]
    public void Revocations(RevocationListMessage message) => agent.Apply(message);
}
