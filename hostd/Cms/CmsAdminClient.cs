using System.Net;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cms;

/// <summary>The operator's (and the manager's) side of the CMS admin methods, over one JSON-RPC connection.</summary>
public sealed class CmsAdminClient : IAsyncDisposable
{
    private readonly JsonRpcConnection _connection;
    private readonly string _adminToken;

    private CmsAdminClient(JsonRpcConnection connection, string adminToken)
    {
        _connection = connection;
        _adminToken = adminToken;
    }

    /// <summary>Connects to a CMS at a TCP or unix-socket endpoint.</summary>
    public static async Task<CmsAdminClient> ConnectAsync(EndPoint endPoint, string adminToken, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        var connection = await JsonRpcClient.ConnectAsync(endPoint, cancellationToken: cancellationToken);
        return new CmsAdminClient(connection, adminToken);
    }

    /// <summary><c>cms.createDeployment</c>.</summary>
    /// <exception cref="RemoteInvocationException">The CMS refused (see <see cref="CmsErrorCodes"/>).</exception>
    public Task<DeploymentStatus> CreateAsync(DeploymentSpec spec, CancellationToken cancellationToken)
        => _connection.InvokeAsync<DeploymentStatus>(CmsMethods.CreateDeployment, Request(deployment: spec), cancellationToken);

    /// <summary><c>cms.getDeployment</c>: the deployment with its whole waiting list.</summary>
    public Task<DeploymentStatus> GetAsync(string deploymentId, CancellationToken cancellationToken)
        => _connection.InvokeAsync<DeploymentStatus>(CmsMethods.GetDeployment, Request(deploymentId), cancellationToken);

    /// <summary><c>cms.listDeployments</c>: every deployment with its counts.</summary>
    public Task<IReadOnlyList<DeploymentStatus>> ListAsync(CancellationToken cancellationToken)
        => _connection.InvokeAsync<IReadOnlyList<DeploymentStatus>>(CmsMethods.ListDeployments, Request(), cancellationToken);

    /// <summary><c>cms.deleteDeployment</c>.</summary>
    public Task<bool> DeleteAsync(string deploymentId, CancellationToken cancellationToken)
        => _connection.InvokeAsync<bool>(CmsMethods.DeleteDeployment, Request(deploymentId), cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private AdminRequest Request(string? deploymentId = null, DeploymentSpec? deployment = null)
        => new() { AdminToken = _adminToken, DeploymentId = deploymentId, Deployment = deployment };
}
