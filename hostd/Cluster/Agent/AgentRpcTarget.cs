using Jumpstart.Shared.Cluster;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Agent;

/// <summary>What the manager may call on a member over the member's connection: the revocation list push, the promotion.</summary>
internal sealed class AgentRpcTarget(ClusterAgent agent)
{
    [JsonRpcMethod(ClusterMethods.HostPromote, UseSingleObjectParameterDeserialization = true)]
    public async Task<bool> PromoteAsync(PromoteMessage message)
    {
        await agent.PromoteAsync(message);
        return true;
    }

    [JsonRpcMethod(ClusterMethods.HostRevocations, UseSingleObjectParameterDeserialization = true)]
    public void Revocations(RevocationListMessage message) => agent.Apply(message);
}
