using Jumpstart.Shared.Cluster;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The cluster methods of hostd's control socket, which the <c>jumpstart cluster</c> commands call.</summary>
public sealed class ClusterControlApi(ClusterService cluster)
{
    [JsonRpcMethod(ClusterMethods.Init, UseSingleObjectParameterDeserialization = true)]
    public Task<ClusterInitResult> InitAsync(ClusterInitRequest? request = null, CancellationToken cancellationToken = default)
        => cluster.InitAsync(request?.Store, cancellationToken);

    [JsonRpcMethod(ClusterMethods.MigrateStore, UseSingleObjectParameterDeserialization = true)]
    public Task<ClusterMigrateStoreResult> MigrateStoreAsync(ClusterMigrateStoreRequest request, CancellationToken cancellationToken)
        => cluster.MigrateStoreAsync(request, cancellationToken);

    [JsonRpcMethod(ClusterMethods.TokenCreate, UseSingleObjectParameterDeserialization = true)]
    public Task<TokenCreateResult> TokenCreateAsync(TokenCreateRequest request, CancellationToken cancellationToken)
        => cluster.CreateTokenAsync(request ?? new TokenCreateRequest(), cancellationToken);

    [JsonRpcMethod(ClusterMethods.TokenList)]
    public Task<TokenInfo[]> TokenListAsync(CancellationToken cancellationToken) => cluster.ListTokensAsync(cancellationToken);

    [JsonRpcMethod(ClusterMethods.Join, UseSingleObjectParameterDeserialization = true)]
    public Task<ClusterJoinResult> JoinAsync(ClusterJoinRequest request, CancellationToken cancellationToken) => cluster.JoinAsync(request, cancellationToken);

    [JsonRpcMethod(ClusterMethods.Hosts)]
    public Task<ClusterHostInfo[]> HostsAsync(CancellationToken cancellationToken) => cluster.HostsAsync(cancellationToken);

    [JsonRpcMethod(ClusterMethods.Remove, UseSingleObjectParameterDeserialization = true)]
    public Task<ClusterRemoveResult> RemoveAsync(ClusterRemoveRequest request, CancellationToken cancellationToken) => cluster.RemoveAsync(request, cancellationToken);

    [JsonRpcMethod(ClusterMethods.AddManager, UseSingleObjectParameterDeserialization = true)]
    public Task<ClusterAddManagerResult> AddManagerAsync(ClusterAddManagerRequest request, CancellationToken cancellationToken) => cluster.AddManagerAsync(request, cancellationToken);

    [JsonRpcMethod(ClusterMethods.Status)]
    public ClusterStatus Status() => cluster.Status();
}
