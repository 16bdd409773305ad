using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Puts <see cref="CmsService"/> on a JSON-RPC connection: one method per <see cref="CmsMethods"/>
/// name, each taking its whole params object as one request record. A <see cref="CmsException"/>
/// becomes a JSON-RPC error with its code (see <see cref="CmsErrorCodes"/>) in <see cref="JsonRpcPeer"/>.
/// </summary>
/// <param name="service">The CMS logic.</param>
/// <param name="logger">Where refusals and failures are logged.</param>
/// <param name="localAdminToken">
/// Set only for connections on the local admin socket whose peer passed the SO_PEERCRED check: their admin
/// requests need no token of their own.
/// </param>
public sealed class CmsRpcTarget(CmsService service, ILogger logger, string? localAdminToken = null)
{
    [JsonRpcMethod(CmsMethods.Register, UseSingleObjectParameterDeserialization = true)]
    public Task<RoleAssignment> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.Register, () => service.RegisterAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.Report, UseSingleObjectParameterDeserialization = true)]
    public Task<PeerInfo> ReportAsync(ReportRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.Report, () => service.ReportAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.Peers, UseSingleObjectParameterDeserialization = true)]
    public Task<IReadOnlyList<PeerInfo>> PeersAsync(PeersRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.Peers, () => service.PeersAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.Wait, UseSingleObjectParameterDeserialization = true)]
    public Task<WaitResult> WaitAsync(WaitRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.Wait, () => service.WaitAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.Heartbeat, UseSingleObjectParameterDeserialization = true)]
    public Task<PeerInfo> HeartbeatAsync(HeartbeatRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.Heartbeat, () => service.HeartbeatAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.CreateDeployment, UseSingleObjectParameterDeserialization = true)]
    public Task<DeploymentStatus> CreateDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.CreateDeployment, () => service.CreateDeploymentAsync(Local(request), cancellationToken));

    [JsonRpcMethod(CmsMethods.GetDeployment, UseSingleObjectParameterDeserialization = true)]
    public Task<DeploymentStatus> GetDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.GetDeployment, () => service.GetDeploymentAsync(Local(request), cancellationToken));

    [JsonRpcMethod(CmsMethods.ListDeployments, UseSingleObjectParameterDeserialization = true)]
    public Task<IReadOnlyList<DeploymentStatus>> ListDeploymentsAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.ListDeployments, () => service.ListDeploymentsAsync(Local(request), cancellationToken));

    [JsonRpcMethod(CmsMethods.DeleteDeployment, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> DeleteDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.DeleteDeployment, () => service.DeleteDeploymentAsync(Local(request), cancellationToken));

    private async Task<T> CallAsync<T>(string method, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (CmsException ex)
        {
            CmsLog.Refused(logger, method, ex.Code, ex.Message);
            Metrics.HostdMetrics.CmsFailed(method, ex.Code);
            throw;
        }
        catch (Cluster.ClusterStoreException ex)
        {
            // etcd lost its quorum or is unreachable: a typed answer the guest retries (on another CMS, if it knows one).
            var refused = new CmsException(CmsErrorCodes.StoreUnavailable, ex.Message);
            CmsLog.Refused(logger, method, refused.Code, refused.Message);
            Metrics.HostdMetrics.CmsFailed(method, refused.Code);
            throw refused;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug or a broken database: the JSON-RPC layer answers Internal error and logs the stack (once).
            Metrics.HostdMetrics.CmsFailed(method, Metrics.HostdMetrics.InternalErrorCode);
            throw;
        }
    }

    private AdminRequest Local(AdminRequest request)
        => localAdminToken is not null && request is { AdminToken: null or "" } ? request with { AdminToken = localAdminToken } : request;
}
