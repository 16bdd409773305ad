using System.Text.Json;
using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// The cluster deployment methods of hostd's control socket (<c>jumpstart deploy --cluster</c>, <c>jumpstart deployment
/// ... --cluster</c>). The manager runs them; on a member the same call goes to the manager through remote control, with
/// its progress notes and its answer (or error) unchanged, so the operator can run them on any host.
/// </summary>
public sealed class DeploymentControlApi(ClusterService cluster, JsonRpcPeer connection, Func<LocalCms?> cms)
{
    [JsonRpcMethod(ClusterMethods.Deploy, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> DeployAsync(ClusterDeployRequest request, CancellationToken cancellationToken)
        => OnManagerAsync(ClusterMethods.Deploy, request, (progress, ct) => cluster.DeployAsync(request, cms(), progress, ct), cancellationToken);

    [JsonRpcMethod(ClusterMethods.DeploymentShow, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> ShowAsync(ClusterDeploymentIdRequest request, CancellationToken cancellationToken)
        => OnManagerAsync(ClusterMethods.DeploymentShow, request, (_, ct) => cluster.ShowDeploymentAsync(request.DeploymentId, ct), cancellationToken);

    [JsonRpcMethod(ClusterMethods.DeploymentList)]
    public Task<JsonElement> ListAsync(CancellationToken cancellationToken)
        => OnManagerAsync(ClusterMethods.DeploymentList, null, (_, ct) => cluster.ListDeploymentsAsync(ct), cancellationToken);

    [JsonRpcMethod(ClusterMethods.DeploymentRemove, UseSingleObjectParameterDeserialization = true)]
    public Task<JsonElement> RemoveAsync(ClusterDeploymentIdRequest request, CancellationToken cancellationToken)
        => OnManagerAsync(ClusterMethods.DeploymentRemove, request, (progress, ct) => cluster.RemoveDeploymentAsync(request.DeploymentId, cms(), progress, ct), cancellationToken);

    /// <summary>Runs <paramref name="run"/> here on the manager, or passes the call to the manager.</summary>
    private async Task<JsonElement> OnManagerAsync<T>(string method, object? request, Func<IProgress<ProgressNote>, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        var status = cluster.Status();
        if (status.Role == ClusterRoles.None)
        {
            throw new ClusterNotManagerException("this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)");
        }

        // A follower (several managers on etcd) passes the writes to the leader; reads it serves from the shared store.
        var leader = status.Role == ClusterRoles.Manager && status.Leading == false && method is ClusterMethods.Deploy or ClusterMethods.DeploymentRemove
            ? await cluster.LeaderNameAsync(cancellationToken)
            : null;
        var parameters = request is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(request, JsonRpcWire.SerializerOptions);
        if (status.Role != ClusterRoles.Manager)
        {
            // A member: whichever manager answers first runs it (not the one it joined, which may be dead).
            return await cluster.RemoteControl.InvokeOnAManagerAsync(method, parameters, connection, cancellationToken);
        }

        if (leader is not null && leader != status.Name)
        {
            return await cluster.RemoteControl.InvokeAsync(new ClusterInvokeRequest { Host = leader, Method = method, Params = parameters }, connection, cancellationToken);
        }

        var progress = new NotifyingProgress(connection);
        var result = await run(progress, cancellationToken);
        await progress.FlushAsync();
        return JsonSerializer.SerializeToElement(result, JsonRpcWire.SerializerOptions);
    }
}
