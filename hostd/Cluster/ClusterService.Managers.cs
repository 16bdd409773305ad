using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Several managers on etcd (issue 20): enrolling another one, the list clients fail over along, the leader.</summary>
public sealed partial class ClusterService
{
    /// <summary>Every manager this host knows: a manager's from the store, a member's from its managers' answers (cluster.json).</summary>
    internal IReadOnlyList<ManagerAddress> ManagerList()
        => _manager is { Managers: { Length: > 0 } managers } ? managers
            : _agent is { } agent ? agent.ManagersCurrentFirst
            : _membership?.ManagerList() ?? [];

    /// <summary>
    /// Makes the member <see cref="ClusterAddManagerRequest.Name"/> a manager of this etcd-backed cluster: it gets the CA
    /// key over its mutual-TLS connection, checks that it reaches etcd (with <c>Cluster:EtcdCertificateFile</c>/<c>EtcdKeyFile</c>,
    /// by default its own host certificate), becomes a manager and campaigns; every host learns of it with its next heartbeat.
    /// </summary>
    /// <exception cref="ClusterNotManagerException">This host is not a manager.</exception>
    /// <exception cref="ClusterRequestException">The store is SQLite, or the host is a manager already.</exception>
    public Task<ClusterAddManagerResult> AddManagerAsync(ClusterAddManagerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var manager = RequireManager();
        return manager.AddManagerAsync(request.Name, StoreOrDefault(_membership?.Store), cancellationToken);
    }

    /// <summary>
    /// <c>host.promote</c> on a member: checks the CA key is the cluster CA's and that etcd answers, writes ca.key and a
    /// cluster.json of role manager, and restarts the role as a manager once the answer is sent.
    /// </summary>
    /// <exception cref="ClusterRefusedException">The key is not the cluster CA's.</exception>
    /// <exception cref="ClusterStoreException">etcd cannot be reached with this host's TLS files.</exception>
    private async Task BecomeManagerAsync(PromoteMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var membership = _membership ?? throw new ClusterNotManagerException("this host is in no cluster");
        if (message.CaKey is not { Length: > 0 and <= PromoteMessage.MaxKeyChars } || message.Managers is not { Length: > 0 and <= ManagerAddress.MaxManagers })
        {
            throw new ClusterRequestException($"a promotion carries a CA key of at most {PromoteMessage.MaxKeyChars} characters and 1-{ManagerAddress.MaxManagers} managers");
        }

        EtcdEndpoints.Parse(message.Store);
        using (var key = ECDsa.Create())
        using (var ca = Transport?.Identity.Ca.GetECDsaPublicKey())
        {
            try
            {
                key.ImportFromPem(message.CaKey);
            }
            catch (ArgumentException ex)
            {
                throw new ClusterRefusedException($"the promotion's CA key is unreadable: {ex.Message}", ex);
            }

            if (ca is null || !key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ca.ExportSubjectPublicKeyInfo()))
            {
                throw new ClusterRefusedException("the promotion's key is not the cluster CA's");
            }
        }

        using (var store = ClusterStores.Open(message.Store, options.Value, _files))
        {
            _ = await store.GetHostAsync(membership.Name, CancellationToken.None);
        }

        ClusterFiles.WritePrivate(_files.CaKey, message.CaKey);
        var promoted = membership with { Role = ClusterRoles.Manager, ManagerName = membership.Name, Manager = null, Store = message.Store, Managers = message.Managers };
        _files.WriteMembership(promoted);
        EtcdLog.Promoted(_logger, membership.Name, message.Store);

        // The answer travels on the agent's connection, which the restart closes: restart after it is sent.
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await _gate.WaitAsync();
            try
            {
                await StopRoleAsync();
                await StartRoleAsync(promoted, CancellationToken.None);
            }
            catch (Exception ex) when (ex is ClusterException or IOException or System.Net.Sockets.SocketException)
            {
                EtcdLog.PromotionFailed(_logger, membership.Name, ex);
            }
            finally
            {
                _gate.Release();
            }
        });
    }

    /// <summary>The name of the manager that leads now (etcd), or null when none does or this is no manager on etcd.</summary>
    internal async Task<string?> LeaderNameAsync(CancellationToken cancellationToken)
        => _election is { } election && await election.LeaderAsync(cancellationToken) is { } value ? value.Split(' ')[0] : null;

    /// <summary>
    /// The other managers' CMS that share this one's state on etcd, as guests reach them (their heartbeats say so), in
    /// name order, at most <see cref="Shared.Metadata.CmsEndpoint.MaxAlternates"/>; none on SQLite.
    /// </summary>
    /// <param name="primary">The CMS the clones are told first (<c>HOST:PORT</c>), left out of the list.</param>
    internal IReadOnlyList<string> CmsAlternates(string primary)
        => [.. ManagerList()
            .Where(m => m.Cms is not null && !HostNames.Same(m.Name, _membership?.Name ?? "") && !string.Equals(m.Cms, primary, StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Cms!)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(Shared.Metadata.CmsEndpoint.MaxAlternates)];

    /// <summary>The derived CMS tokens of cluster deployments (on a manager: it holds the CA key), or null.</summary>
    internal Deployments.InstanceTokens? InstanceTokens => _manager?.InstanceTokens;
}
