using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Deploy;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// <see cref="DeployClusterFixture"/>'s bed with the manager on etcd (issue 20): <c>cluster init --store etcd://</c> on
/// host-a, whose CMS (<c>Cms:Store</c> unset) follows the cluster onto the same etcd, which <see cref="InitClusterAsync"/>
/// checks once through <c>cluster status</c> and <see cref="AssertCmsHoldsAsync"/> in etcd's keys.
/// </summary>
/// <remarks>
/// One real etcd member (TLS, client certificates required) in the manager's namespace, on its loopback, as the cluster
/// bench runs it: the scenarios kill members' hostd and VMs, never the manager's namespace, and what they test is the
/// manager and the CMS on etcd's API (Txn, leases, the election, watches), which one member serves as three do. Three
/// members cost six times one's CPU idle (60 s each with EtcdTestCluster's 100 ms heartbeat, load 8-9: 1.44 s against
/// 0.24 s), and each write is replicated and synced three times, on a two-core machine whose TCG guests already starve;
/// losing members is EtcdQuorumTests' and ManagerOnEtcdTests' part.
/// </remarks>
public sealed class EtcdDeployClusterFixture : DeployClusterFixture
{
    /// <summary>The cluster's key prefix in etcd (set on the manager, so the CMS's keys are under it + <c>cms/</c>).</summary>
    public const string StorePrefix = "/jumpstart/deploy/";

    /// <summary>The manager's leader lease (the default is 5 s): test F's restarted manager leads again 3 s after its kill at most.</summary>
    private static readonly TimeSpan s_leaseTtl = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan s_etcdBound = TimeSpan.FromSeconds(30);
    private EtcdTestCluster? _etcd;
    private ClusterNode? _manager;

    /// <summary>
    /// The state test F's deployment reaches on etcd: a manager that starts on etcd campaigns and, leading, resumes what was
    /// left deploying (ClusterService.ResumeDeploymentsAsync: the store is the one a next leader drives it from), so the
    /// restarted manager drives it to its end instead of marking it interrupted as on SQLite.
    /// </summary>
    public override string StateAfterManagerRestart => ClusterDeploymentStates.Complete;

    /// <summary>Every instance of <paramref name="id"/> has its row under the CMS's keys in the cluster's etcd.</summary>
    public override async Task AssertCmsHoldsAsync(ClusterTestBed bed, string id, int count)
    {
        var keys = await EtcdctlAsync("get", "--prefix", "--keys-only", $"{StorePrefix}cms/instances/{id}/");
        Assert.True(keys.Succeeded, $"etcdctl get exited {keys.ExitCode}: {keys.StandardError}");
        var instances = keys.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            Enumerable.Range(1, count).Select(n => string.Create(CultureInfo.InvariantCulture, $"{StorePrefix}cms/instances/{id}/{id}-{n}")).Order(StringComparer.Ordinal),
            instances.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Starts the etcd member in host-a's namespace, restarts host-a's hostd with the member's TLS files, inits the cluster
    /// on it and waits until host-a leads and names its CMS as one on the cluster's etcd.
    /// </summary>
    protected override async Task InitClusterAsync(ClusterTestBed bed)
    {
        var manager = bed.Manager;
        _manager = manager;
        await manager.RunAsync("ip", ["link", "set", "lo", "up"]);
        _etcd = new EtcdTestCluster(1, manager.Namespace);
        await Poll.UntilAsync(async _ => (await EtcdctlAsync("put", "/health", "ok")).Succeeded, s_etcdBound, $"etcd answering in {manager.Name}'s namespace (its log: {_etcd.Log(0)})", TimeSpan.FromMilliseconds(200));
        var tls = _etcd.Tls;
        manager.Override("EtcdCaFile", tls.CaCertificate);
        manager.Override("EtcdCertificateFile", tls.ClientCertificate);
        manager.Override("EtcdKeyFile", tls.ClientKey);
        manager.Override("StorePrefix", StorePrefix);
        manager.Override("LeaderLeaseTtl", s_leaseTtl.ToString("c", CultureInfo.InvariantCulture));
        await manager.StopHostdAsync();
        await manager.StartHostdAsync();

        await bed.InitAsync("--store", _etcd.Store);

        // The manager leads on etcd, and its CMS runs on the cluster's etcd: the managers' list names a manager's CMS only
        // when it shares the cluster's store (CmsHostedService.SharedGuestEndpoint).
        var status = await Poll.ForAsync(
            async _ => await manager.CliJsonAsync("cluster", "status"),
            s => s.GetProperty("leading").ValueKind == JsonValueKind.True
                && s.GetProperty("managers").EnumerateArray().Any(m => m.GetProperty("name").GetString() == manager.Name && m.TryGetProperty("cms", out var cms) && cms.GetString() == CmsEndpoint),
            s_etcdBound,
            $"{manager.Name} leading on etcd with its CMS on the cluster's etcd",
            s => s.ToString());
        Assert.Equal(_etcd.Store, status.GetProperty("store").GetString());
    }

    protected override Task DisposeStoreAsync()
    {
        _etcd?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary><c>etcdctl</c> against the member, run in the manager's namespace with the client TLS files.</summary>
    private Task<ProcessResult> EtcdctlAsync(params string[] arguments)
    {
        var etcd = _etcd ?? throw new InvalidOperationException("etcd is not started");
        var tls = etcd.Tls;
        return _manager!.RunAsync(
            Requirements.RequireTool("env"),
            [
                "ETCDCTL_API=3", Requirements.RequireTool("etcdctl"), "--endpoints", string.Create(CultureInfo.InvariantCulture, $"https://localhost:{etcd.ClientPort(0)}"),
                "--cacert", tls.CaCertificate, "--cert", tls.ClientCertificate, "--key", tls.ClientKey, "--command-timeout", "5s", .. arguments,
            ]);
    }
}
