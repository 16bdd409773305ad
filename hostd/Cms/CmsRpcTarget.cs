using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Puts <see cref="CmsService"/> on a JSON-RPC connection: one method per <see cref="CmsMethods"/>
/// name, each taking its whole params object as one request record. A <see cref="CmsException"/>
/// becomes a JSON-RPC error with its code (see <see cref="CmsErrorCodes"/>).
/// </summary>
public sealed class CmsRpcTarget(CmsService service, ILogger logger)
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
        => CallAsync(CmsMethods.CreateDeployment, () => service.CreateDeploymentAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.GetDeployment, UseSingleObjectParameterDeserialization = true)]
    public Task<DeploymentStatus> GetDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.GetDeployment, () => service.GetDeploymentAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.ListDeployments, UseSingleObjectParameterDeserialization = true)]
    public Task<IReadOnlyList<DeploymentStatus>> ListDeploymentsAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.ListDeployments, () => service.ListDeploymentsAsync(request, cancellationToken));

    [JsonRpcMethod(CmsMethods.DeleteDeployment, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> DeleteDeploymentAsync(AdminRequest request, CancellationToken cancellationToken)
        => CallAsync(CmsMethods.DeleteDeployment, () => service.DeleteDeploymentAsync(request, cancellationToken));

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
            throw new LocalRpcException(ex.Code, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug or a broken database: the caller gets InternalError from the JSON-RPC layer; the log gets the stack.
            CmsLog.Unexpected(logger, method, ex);
            Metrics.HostdMetrics.CmsFailed(method, Metrics.HostdMetrics.InternalErrorCode);
            throw;
        }
    }
}
