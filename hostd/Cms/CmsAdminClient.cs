using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cms;

/// <summary>The operator's (and the manager's) side of the CMS admin methods, over one JSON-RPC connection.</summary>
public sealed class CmsAdminClient : IAsyncDisposable
{
    private readonly JsonRpcPeer _connection;
    private readonly string _adminToken;

    private CmsAdminClient(JsonRpcPeer connection, string adminToken)
    {
        _connection = connection;
        _adminToken = adminToken;
    }

    /// <summary>
    /// Connects to a CMS at a TCP or unix-socket endpoint. On the CMS's local unix socket the token may be empty:
    /// there the CMS checks the caller's credentials (SO_PEERCRED) instead.
    /// </summary>
    public static async Task<CmsAdminClient> ConnectAsync(EndPoint endPoint, string adminToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(adminToken);
        if (adminToken.Length == 0 && endPoint is not UnixDomainSocketEndPoint)
        {
            throw new ArgumentException("an admin token is needed over TCP", nameof(adminToken));
        }

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

    /// <summary>
    /// <c>cms.deleteDeployment</c> where the deployment may be gone already: a removal run again after one that could not
    /// reach a host (it deleted the waiting list before it stopped), or what a creation cut short left. False when the CMS
    /// had none (its <see cref="CmsErrorCodes.UnknownDeployment"/>); other refusals are thrown.
    /// </summary>
    /// <exception cref="RemoteInvocationException">The CMS refused otherwise (see <see cref="CmsErrorCodes"/>).</exception>
    public async Task<bool> DeleteIfPresentAsync(string deploymentId, CancellationToken cancellationToken)
    {
        try
        {
            return await DeleteAsync(deploymentId, cancellationToken);
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == CmsErrorCodes.UnknownDeployment)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private AdminRequest Request(string? deploymentId = null, DeploymentSpec? deployment = null)
        => new() { AdminToken = _adminToken, DeploymentId = deploymentId, Deployment = deployment };
}
