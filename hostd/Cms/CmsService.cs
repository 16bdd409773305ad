using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Jumpstart.Hostd.Cms.Policies;
using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// The configuration management server's logic, without any transport: deployments and their
/// waiting lists (admin token), and the instance calls (per-instance token) that register, report,
/// list peers, wait on barriers and send heartbeats. <see cref="CmsRpcTarget"/> puts it on JSON-RPC.
/// Every refused call throws <see cref="CmsException"/> and has changed nothing.
/// </summary>
public sealed partial class CmsService : IDisposable
{
    /// <summary>Variables every assignment carries, besides the policy's own.</summary>
    public const string DeploymentIdVariable = "DEPLOYMENT_ID";
    public const string InstanceIdVariable = "INSTANCE_ID";
    public const string RoleVariable = "ROLE";
    public const string HostnameVariable = "HOSTNAME";
    public const string AddressVariable = "ADDRESS";
    public const string ExpectedCountVariable = "EXPECTED_COUNT";
    public const string MasterAddressVariable = "MASTER_ADDRESS";
    public const string MasterHostnameVariable = "MASTER_HOSTNAME";

    /// <summary>Variables for the role's commands that name the role and the master in the guest's JUMPSTART_ namespace.</summary>
    public const string GuestRoleVariable = "JUMPSTART_ROLE";
    public const string GuestMasterAddressVariable = "JUMPSTART_MASTER_ADDRESS";

    // Compared against when the instance is unknown, so that path costs what a wrong token costs.
    private static readonly byte[] s_absentDigest = TokenHash.Compute("\0absent");

    private readonly ICmsStore _store;
    private readonly byte[] _adminTokenDigest;
    private readonly int _maxWaitMs;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RegistrationQueue> _registrationQueues = new(StringComparer.Ordinal);
    private readonly DeploymentSignals _signals = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly DeploymentViews _views;
    private int _disposed;

    private CmsService(ICmsStore store, string adminToken, int maxWaitMs, ILogger logger)
    {
        _store = store;
        _views = new DeploymentViews(store);
        store.InstanceCommitted = async record =>
        {
            await _views.ApplyAsync(record);
            if (store.Shared)
            {
                // Another CMS's change (or ours, seen again through the watch) wakes this process's waiters.
                _signals.Notify(record.DeploymentId);
            }
        };
        store.DeploymentRemoved = deploymentId =>
        {
            _views.Remove(deploymentId);
            _signals.Notify(deploymentId);
        };
        _adminTokenDigest = TokenHash.Compute(adminToken);
        _maxWaitMs = maxWaitMs;
        _logger = logger;
    }

    /// <summary>Opens the CMS state at <paramref name="databasePath"/> (created if absent).</summary>
    /// <param name="databasePath">The SQLite file.</param>
    /// <param name="adminToken">The token admin calls must carry.</param>
    /// <param name="maxWaitMs">Upper bound on any <c>cms.wait</c> call's timeout.</param>
    /// <param name="logger">Where registrations, reports and refusals are logged.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="CmsStoreException">The database cannot be used.</exception>
    public static async Task<CmsService> OpenAsync(
        string databasePath,
        string adminToken,
        int maxWaitMs = CmsOptions.DefaultMaxWaitMs,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaitMs);
        var store = await CmsStore.OpenAsync(databasePath, cancellationToken);
        return new CmsService(store, adminToken, maxWaitMs, logger ?? NullLogger.Instance);
    }

    /// <summary>
    /// Opens the CMS state kept in etcd under <paramref name="clusterPrefix"/> <c>cms/</c>, shared with the CMS of the
    /// cluster's other managers: a clone may register with any of them.
    /// </summary>
    /// <param name="etcd">The connection (kept open by the caller).</param>
    /// <param name="clusterPrefix">The cluster's key prefix, e.g. <c>/jumpstart/default/</c>.</param>
    /// <param name="adminToken">The token admin calls must carry.</param>
    /// <param name="maxWaitMs">Upper bound on any <c>cms.wait</c> call's timeout.</param>
    /// <param name="logger">Where registrations, reports and refusals are logged.</param>
    /// <param name="ownsConnection">Whether disposing the service disposes <paramref name="etcd"/>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="Cluster.ClusterStoreException">etcd cannot be reached.</exception>
    public static async Task<CmsService> OpenEtcdAsync(
        Cluster.Etcd.EtcdConnection etcd,
        string clusterPrefix,
        string adminToken,
        int maxWaitMs = CmsOptions.DefaultMaxWaitMs,
        ILogger? logger = null,
        bool ownsConnection = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaitMs);
        var store = new EtcdCmsStore(etcd, clusterPrefix, ownsConnection);
        var service = new CmsService(store, adminToken, maxWaitMs, logger ?? NullLogger.Instance);
        try
        {
            await store.StartWatchingAsync(cancellationToken);
        }
        catch
        {
            service.Dispose();
            throw;
        }

        return service;
    }

    /// <summary>Ends pending waits and releases the database.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _store.Dispose();
        _stopping.Dispose();
    }

    private void RequireAdmin(AdminRequest? request)
    {
        if (request is null)
        {
            CmsException.ThrowInvalidParams("params object required");
        }

        if (string.IsNullOrEmpty(request.AdminToken) || !TokenHash.Matches(_adminTokenDigest, request.AdminToken))
        {
            CmsException.ThrowUnauthorized();
        }
    }

    /// <summary>Checks the request's shape, the deployment and the instance's own token.</summary>
    private async Task<(DeploymentRecord Deployment, InstanceRecord Instance)> AuthenticateAsync(InstanceRequest? request, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            CmsException.ThrowInvalidParams("params object required");
        }

        CmsValidation.RequireName(request.DeploymentId, "deploymentId");
        CmsValidation.RequireName(request.InstanceId, "instanceId");
        CmsValidation.RequireToken(request.Token, "token");

        var deployment = await _store.GetDeploymentAsync(request.DeploymentId, cancellationToken);
        if (deployment is null)
        {
            CmsException.ThrowUnknownDeployment(request.DeploymentId);
        }

        // On etcd the deployment's view (kept current by the watch) answers without a round trip; a row it lacks is read.
        var instance = _store.Shared
            ? (await _views.GetAsync(request.DeploymentId, cancellationToken)).Find(request.InstanceId)
                ?? await _store.GetInstanceAsync(request.DeploymentId, request.InstanceId, cancellationToken)
            : await _store.GetInstanceAsync(request.DeploymentId, request.InstanceId, cancellationToken);
        var matches = TokenHash.Matches(instance?.TokenDigest ?? s_absentDigest, request.Token);
        if (instance is null || !matches)
        {
            CmsException.ThrowUnauthorized();
        }

        return (deployment, instance);
    }

    /// <summary>
    /// The assignment as the instance sees it now: its stored role and policy variables, plus
    /// identity variables and the master's current address, with the role's templates expanded.
    /// </summary>
    /// <param name="deployment">The deployment's record.</param>
    /// <param name="expected">How many instances its waiting list holds.</param>
    /// <param name="master">The registered master (the first to arrive, should there be several), or null.</param>
    /// <param name="self">The registered instance asking.</param>
    private static RoleAssignment Resolve(DeploymentRecord deployment, int expected, InstanceRecord? master, InstanceRecord self)
    {
        var role = self.Role!;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DeploymentIdVariable] = deployment.DeploymentId,
            [InstanceIdVariable] = self.InstanceId,
            [RoleVariable] = role,
            [ExpectedCountVariable] = expected.ToString(CultureInfo.InvariantCulture),
        };
        AddIfKnown(variables, HostnameVariable, self.Hostname);
        AddIfKnown(variables, AddressVariable, self.PrimaryAddress);
        AddIfKnown(variables, MasterAddressVariable, master?.PrimaryAddress);
        AddIfKnown(variables, MasterHostnameVariable, master?.Hostname);
        foreach (var (name, value) in self.Variables)
        {
            variables[name] = value;
        }

        var template = deployment.Roles.GetValueOrDefault(role)
            ?? deployment.Roles.GetValueOrDefault(DeploymentSpecValidator.AnyRole)
            ?? new RoleConfiguration();
        var masterAddress = master is null || master.InstanceId == self.InstanceId ? null : master.PrimaryAddress;
        var configuration = ConfigurationTemplate.Expand(template, variables);

        // Exported to the commands, not expanded into templates (they were before this change either).
        variables[GuestRoleVariable] = role;
        variables[GuestMasterAddressVariable] = masterAddress ?? string.Empty;
        return new RoleAssignment
        {
            Role = role,
            MasterAddress = masterAddress,
            // A worker is only complete with its master's address; the CMS, not the guest, knows that.
            Pending = role == PolicyKinds.WorkerRole && masterAddress is null,
            Variables = variables,
            Configuration = configuration,
        };
    }

    private static void AddIfKnown(Dictionary<string, string> variables, string name, string? value)
    {
        if (value is not null)
        {
            variables[name] = value;
        }
    }

    private static void ValidateAddresses(IReadOnlyList<string>? addresses)
    {
        if (addresses is null || addresses.Count > CmsLimits.MaxAddresses)
        {
            CmsException.ThrowInvalidParams($"addresses must be a list of at most {CmsLimits.MaxAddresses}");
        }

        foreach (var address in addresses)
        {
            // The first address flows into other instances' configuration files: only real addresses pass.
            if (address is null || address.Length > CmsLimits.MaxAddressLength || !IsAddress(address))
            {
                CmsException.ThrowInvalidParams($"'{CmsValidation.Truncate(address)}' is not an IP address or CIDR");
            }
        }
    }

    private static bool IsAddress(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(host, out var ip) || host.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        var maxPrefix = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        return int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix <= maxPrefix;
    }
}
