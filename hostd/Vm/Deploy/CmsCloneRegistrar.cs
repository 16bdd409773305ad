using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// Creates the CMS deployment of a clone plan with a policy: deployment id = the plan's prefix, one
/// waiting-list entry per planned clone (its name, the token <see cref="ClonePlanner"/> made, its rank),
/// the role templates of <see cref="ClusterDeploymentSpec"/>. It runs after the bundle is verified and
/// before any clone starts, so a bad bundle leaves nothing on the CMS and no clone registers too early.
/// </summary>
public sealed class CmsCloneRegistrar : ICloneRegistrar
{
    private readonly string _deploymentId;
    private readonly PolicySpec _policy;
    private readonly EndPoint _admin;
    private readonly string _adminToken;

    private CmsCloneRegistrar(string deploymentId, PolicySpec policy, EndPoint admin, DnsEndPoint guests, string adminToken)
    {
        _deploymentId = deploymentId;
        _policy = policy;
        _admin = admin;
        GuestEndPoint = guests;
        _adminToken = adminToken;
    }

    public DnsEndPoint GuestEndPoint { get; }

    /// <summary>The registrar a plan asks for, or null when it names no policy.</summary>
    /// <param name="plan">The plan: its policy, prefix, CMS endpoint and admin token.</param>
    /// <param name="local">This hostd's CMS (endpoint and admin token file), used when the plan names no CMS; null when it runs none.</param>
    /// <exception cref="ClonePlanException">Unknown policy, malformed CMS endpoint, or no CMS to use.</exception>
    public static CmsCloneRegistrar? For(ClonePlanRequest plan, LocalCms? local)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Policy is null)
        {
            if (plan.Cms is not null || plan.CmsAdminToken is not null)
            {
                throw new ClonePlanException("a CMS endpoint or admin token needs a policy");
            }

            return null;
        }

        var policy = ClusterDeploymentSpec.Policy(plan.Policy);
        if (plan.Cms is { } text)
        {
            var endPoint = Parse(text);
            var token = plan.CmsAdminToken ?? (local is not null && Same(local.EndPoint, endPoint) ? local.AdminToken() : null)
                ?? throw new ClonePlanException($"the CMS at {text} is not this hostd's: give its admin token");
            var named = local is { GuestEndpoint: { } ours } && Same(local.EndPoint, endPoint)
                ? GuestsOf(Parse(ours), ours)
                : GuestsOf(endPoint, text);
            return new CmsCloneRegistrar(plan.Prefix, policy, endPoint, named, token);
        }

        if (local is null)
        {
            throw new ClonePlanException("this hostd runs no CMS (set Cms:Enabled) and the plan names none");
        }

        var guests = local.GuestEndpoint is { } advertised
            ? GuestsOf(Parse(advertised), advertised)
            : GuestsOf(local.EndPoint, local.EndPoint.ToString());
        return new CmsCloneRegistrar(plan.Prefix, policy, local.EndPoint, guests, plan.CmsAdminToken ?? local.AdminToken());
    }

    public async Task RegisterAsync(IReadOnlyList<PlannedClone> clones, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clones);
        var instances = clones.Select(c => c.Instance ?? throw new ClonePlanException($"clone {c.Name} was planned without a CMS token")).ToList();
        try
        {
            await using var cms = await CmsAdminClient.ConnectAsync(_admin, _adminToken, cancellationToken);
            await cms.CreateAsync(ClusterDeploymentSpec.Create(_deploymentId, _policy, instances), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException or RemoteRpcException)
        {
            // The CMS is down or refused the deployment: nothing was started, and the caller gets a VM-area
            // answer (Unavailable, exit 69) instead of an internal error.
            throw new VmUnavailableException($"the CMS at {_admin} did not take deployment {_deploymentId}: {ex.Message}");
        }
    }

    /// <summary>
    /// The waiting list of a deployment a previous manager began (a new leader resuming it, issue 20): kept as it is when
    /// the CMS has it (a CMS on the cluster's etcd shares it; the instances and their derived tokens are the same), else
    /// created, after deleting what an interrupted creation left.
    /// </summary>
    public async Task RegisterAgainAsync(IReadOnlyList<PlannedClone> clones, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clones);
        bool kept;
        try
        {
            await using var cms = await CmsAdminClient.ConnectAsync(_admin, _adminToken, cancellationToken);
            try
            {
                kept = (await cms.GetAsync(_deploymentId, cancellationToken)).Expected == clones.Count;
            }
            catch (RemoteInvocationException ex) when (ex.ErrorCode == CmsErrorCodes.UnknownDeployment)
            {
                // What a creation cut short left is invisible until complete and would refuse the id; nothing there is fine.
                kept = false;
                await cms.DeleteIfPresentAsync(_deploymentId, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or RemoteRpcException)
        {
            throw new VmUnavailableException($"the CMS at {_admin} cannot say whether it holds deployment {_deploymentId}: {ex.Message}");
        }

        if (!kept)
        {
            await RegisterAsync(clones, cancellationToken);
        }
    }

    private static EndPoint Parse(string text)
    {
        try
        {
            return CmsEndPoints.ParseClient(text);
        }
        catch (FormatException ex)
        {
            throw new ClonePlanException($"CMS endpoint: {ex.Message}", ex);
        }
    }

    private static bool Same(EndPoint a, EndPoint b) => a.ToString() == b.ToString();

    /// <summary>
    /// The CMS as guests reach it: host and port on their discs. A unix socket is no use to a guest, and neither is a
    /// loopback or wildcard address (each guest would call itself): refused before any clone starts, with the fix.
    /// </summary>
    private static DnsEndPoint GuestsOf(EndPoint endPoint, string text) => endPoint switch
    {
        IPEndPoint ip when !CmsEndPoints.GuestsCanReach(ip) =>
            throw new ClonePlanException(
                $"the CMS at {text} cannot be reached from a guest (a loopback or wildcard address): set Cms:Listen to an address on the clones' network, or Cms:GuestEndpoint to the address guests use"),
        IPEndPoint ip => new DnsEndPoint(ip.Address.ToString(), ip.Port),
        DnsEndPoint dns => dns,
        _ => throw new ClonePlanException($"guests need a TCP endpoint for the CMS, not {text}"),
    };
}
