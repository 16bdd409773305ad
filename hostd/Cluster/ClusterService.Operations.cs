using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Jumpstart.Hostd.Cluster.Agent;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Manager;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Sockets;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The operations behind the <c>jumpstart cluster</c> commands.</summary>
public sealed partial class ClusterService
{
    /// <summary>
    /// Creates a cluster with this host as its manager: a CA, this host's key and certificate, an empty revocation list,
    /// the manager's database; writes cluster.json last (so a crash leaves this host in no cluster), then opens the
    /// cluster port and starts the manager.
    /// </summary>
    /// <exception cref="ClusterMemberException">This host is in a cluster already.</exception>
    /// <exception cref="ClusterRequestException">Hostd:NodeName is not a DNS name, or Cluster:Listen is not ADDRESS:PORT.</exception>
    public async Task<ClusterInitResult> InitAsync(string? store, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireOutside();
            var name = HostNames.Require(hostd.Value.NodeName, "this host's name (Hostd:NodeName)");
            var listen = ParseListen(options.Value.Listen);
            CheckPortFree(listen);
            store = StoreOrDefault(store);
            var now = time.GetUtcNow();
            _files.Prepare();
            DeleteStaleDatabase();
            using (var ca = CertificateAuthority.Create(name, now))
            using (var key = ClusterCertificates.NewKey())
            using (var certificate = ca.Issue(key, name, now))
            {
                // The identity first: an etcd store is reached with it (by default).
                ca.Save(_files);
                HostIdentity.Save(_files, certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), ca.Certificate.ExportCertificatePem());
                using var opened = Etcd.ClusterStores.Open(store, options.Value, _files);
                await opened.PutHostAsync(
                    new ClusterHostRecord
                    {
                        Name = name,
                        Role = ClusterRoles.Manager,
                        State = HostStates.Up,
                        Endpoint = $"{AdvertisedAddress(listen)}:{listen.Port}",
                        Serial = ClusterCertificates.SerialOf(certificate),
                        Certificate = certificate.ExportCertificatePem(),
                        JoinedAt = now,
                        LastHeartbeatAt = now,
                    },
                    cancellationToken);
            }

            var membership = new ClusterMembership { Role = ClusterRoles.Manager, Name = name, ManagerName = name, Since = now, Store = store };
            _files.WriteMembership(membership);
            await StartRoleAsync(membership, cancellationToken);
            var transport = Transport!;
            ClusterLog.Created(_logger, name, transport.Identity.CaPinText);
            return new ClusterInitResult
            {
                Name = name,
                CaHash = transport.Identity.CaPinText,
                Listen = transport.ListenEndPoint!.ToString(),
                Endpoint = $"{AdvertisedAddress(listen)}:{transport.ListenEndPoint.Port}",
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Joins the cluster whose manager listens at <see cref="ClusterJoinRequest.Manager"/>: CA pinning, token, a new key
    /// whose certificate the manager signs; then saves the identity, writes cluster.json, opens the cluster port and
    /// starts the link to the manager.
    /// </summary>
    /// <exception cref="ClusterMemberException">This host is in a cluster already.</exception>
    /// <exception cref="ClusterRefusedException">Wrong CA hash, a manager certificate of another CA, or a refused token.</exception>
    public async Task<ClusterJoinResult> JoinAsync(ClusterJoinRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RequireOutside();
            var name = HostNames.Require(hostd.Value.NodeName, "this host's name (Hostd:NodeName)");

            // HOST:PORT, or every manager's, comma-separated: the join goes to the first that answers.
            var managers = (request.Manager ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (managers.Length is 0 or > ManagerAddress.MaxManagers)
            {
                throw new ClusterRequestException($"give the manager as HOST:PORT, or 1-{ManagerAddress.MaxManagers} managers as HOST:PORT,HOST:PORT,...");
            }

            var endPoints = managers.Select(m => ClusterTransport.ParseEndPoint(m, "manager")).ToArray();
            var pin = CaPin.Parse(request.CaHash);
            if (!JoinToken.TryParse(request.Token, out _))
            {
                throw new ClusterRequestException($"the token is not ID.SECRET ({JoinToken.IdLength} and {JoinToken.SecretLength} characters of a-z0-9), as 'jumpstart cluster token create' prints it");
            }

            var listen = ParseListen(options.Value.Listen);
            CheckPortFree(listen);
            using var key = ClusterCertificates.NewKey();
            ClusterJoiner.Grant? grant = null;
            var joined = 0;
            for (; grant is null; joined++)
            {
                try
                {
                    grant = await ClusterJoiner.JoinAsync(endPoints[joined], pin, request.Token, name, key, listen.Port, options.Value.AdvertiseAddress, ClusterLimits.CallTimeout, cancellationToken);
                }
                catch (ClusterUnreachableException ex) when (joined + 1 < endPoints.Length)
                {
                    Etcd.EtcdLog.ManagerFailover(_logger, managers[joined], ex.Message, managers[joined + 1]);
                }
            }

            var manager = managers[joined - 1];
            _files.Prepare();
            HostIdentity.Save(_files, grant.CertificatePem, key.ExportPkcs8PrivateKeyPem(), grant.CaPem);
            ClusterFiles.WritePublic(_files.Crl, grant.Revocations.Pem);
            if (File.Exists(_files.CaKey))
            {
                File.Delete(_files.CaKey);
            }

            var membership = new ClusterMembership { Role = ClusterRoles.Member, Name = name, Manager = manager, ManagerName = grant.ManagerName, Since = time.GetUtcNow() };
            _files.WriteMembership(membership);
            await StartRoleAsync(membership, cancellationToken);
            ClusterLog.Joined(_logger, name, grant.ManagerName, manager);
            var transport = Transport!;
            return new ClusterJoinResult
            {
                Name = name,
                ManagerName = grant.ManagerName,
                Manager = manager,
                CaHash = transport.Identity.CaPinText,
                CertificateExpires = transport.Identity.Certificate.NotAfter.ToUniversalTime(),
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc cref="ClusterManager.CreateTokenAsync"/>
    public Task<TokenCreateResult> CreateTokenAsync(TokenCreateRequest request, CancellationToken cancellationToken)
        => RequireManager().CreateTokenAsync(request, cancellationToken);

    /// <inheritdoc cref="ClusterManager.ListTokensAsync"/>
    public Task<TokenInfo[]> ListTokensAsync(CancellationToken cancellationToken) => RequireManager().ListTokensAsync(cancellationToken);

    /// <summary>Every host the manager knows (a member asks its manager).</summary>
    public Task<ClusterHostInfo[]> HostsAsync(CancellationToken cancellationToken)
    {
        if (_manager is { } manager)
        {
            return manager.ListHostsAsync(cancellationToken);
        }

        return _agent is { } agent
            ? agent.HostsAsync(cancellationToken)
            : throw new ClusterNotManagerException("this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)");
    }

    /// <inheritdoc cref="ClusterManager.RemoveAsync"/>
    public Task<ClusterRemoveResult> RemoveAsync(ClusterRemoveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RequireManager().RemoveAsync(request.Name, cancellationToken);
    }

    private void RequireOutside()
    {
        if (_membership is { } membership)
        {
            throw new ClusterMemberException(membership.Role == ClusterRoles.Manager
                ? $"this host ({membership.Name}) is already the manager of a cluster"
                : $"this host ({membership.Name}) is already a member of the cluster of {membership.ManagerName} at {membership.Manager}");
        }
    }

    /// <summary>A manager database without cluster.json is left from an init that did not finish: start afresh.</summary>
    private void DeleteStaleDatabase()
    {
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(_files.Database + suffix);
        }
    }

    /// <summary>Fails before anything is created (or a token spent) when the cluster port cannot be opened.</summary>
    private static void CheckPortFree(IPEndPoint listen)
    {
        if (listen.Port == 0)
        {
            return;
        }

        try
        {
            ListeningSockets.BindTcp(listen).Dispose();
        }
        catch (SocketException ex)
        {
            throw new ClusterUnreachableException($"cannot listen on {listen} ({ClusterOptions.Section}:Listen): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Where other hosts reach this one: <see cref="ClusterOptions.AdvertiseAddress"/>, else a specific listen address,
    /// else the first IPv4 address of an interface that is up and not loopback.
    /// </summary>
    private string AdvertisedAddress(IPEndPoint listen)
    {
        if (options.Value.AdvertiseAddress is { Length: > 0 } advertised)
        {
            return IPAddress.TryParse(advertised, out var ip) ? ClusterManager.Host(ip) : HostNames.Require(advertised, $"{ClusterOptions.Section}:AdvertiseAddress");
        }

        if (!listen.Address.Equals(IPAddress.Any) && !listen.Address.Equals(IPAddress.IPv6Any))
        {
            return ClusterManager.Host(listen.Address);
        }

        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        return ClusterManager.Host(address ?? IPAddress.Loopback);
    }
}
