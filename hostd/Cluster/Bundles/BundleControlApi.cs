using Jumpstart.Hostd.Api;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Bundles;

/// <summary>The bundle methods of hostd's control socket that need the cluster: <c>jumpstart bundle distribute</c>.</summary>
public sealed class BundleControlApi(ClusterService cluster, JsonRpcPeer connection)
{
    [JsonRpcMethod(ClusterMethods.BundleDistribute, UseSingleObjectParameterDeserialization = true)]
    public async Task<DistributeResult> DistributeAsync(DistributeRequest request, CancellationToken cancellationToken)
    {
        var progress = new NotifyingProgress(connection);
        var result = await cluster.DistributeAsync(request, progress, cancellationToken);
        await progress.FlushAsync();
        return result;
    }
}
