using System.Net;
using Jumpstart.Hostd.Cluster.Agent;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Manager;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Vm;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cluster;

/// <summary>
/// This hostd's part in a cluster, and the one owner of it: at start it reads the cluster directory and, if this host
/// is in a cluster, opens the cluster port and runs its role (the manager, or a member's link to the manager);
/// <c>cluster init</c> and <c>cluster join</c> put it in one while it runs. Other components reach other hosts through
/// <see cref="Transport"/> (hostd/Cluster/README.md).
/// </summary>
public sealed partial class ClusterService(
    IOptions<ClusterOptions> options,
    IOptions<HostdOptions> hostd,
    TimeProvider time,
    ILoggerFactory loggers,
    VmHost? vms = null,
    Bundles.ClusterBundles? bundles = null,
    Deployments.IDeploymentImages? images = null,
    Cms.CmsHostedService? cms = null) : IHostedService, IAsyncDisposable
{
    private readonly Deployments.IDeploymentImages? _images = images;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger = loggers.CreateLogger<ClusterService>();
    private readonly ClusterFiles _files = new(options.Value.EffectiveDirectory(hostd.Value.StateDirectory));
    private ClusterMembership? _membership;
    private ClusterTransport? _transport;
    private ClusterRpc? _rpc;
    private ClusterManager? _manager;
    private ClusterAgent? _agent;
    private Etcd.EtcdLeaderElection? _election;

    /// <summary>The cluster connections of this host (mutual TLS to any named host, protocols served on the cluster port); null while it is in no cluster.</summary>
    public ClusterTransport? Transport => Volatile.Read(ref _transport);

    /// <summary>The manager's store, on the manager only.</summary>
    public IClusterStore? ManagerStore => _manager?.Store;

    /// <summary>The cluster directory.</summary>
    public ClusterFiles Files => _files;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_files.ReadMembership() is { } membership)
            {
                await StartRoleAsync(membership, cancellationToken);
            }
        }
        catch (ClusterException ex)
        {
            await StopRoleAsync();
            throw new DaemonStartupException($"cluster: {ex.Message} (cluster directory {_files.Directory})", ExitCodes.Config, ex);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await StopRoleAsync();
            throw new DaemonStartupException($"cluster: cannot listen on {options.Value.Listen}: {ex.Message}", ExitCodes.Unavailable, ex);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        await StopRoleAsync();
    }

    /// <summary>This host's part in the cluster.</summary>
    public ClusterStatus Status()
    {
        var membership = _membership;
        var transport = Transport;
        if (membership is null || transport is null)
        {
            return new ClusterStatus { Role = ClusterRoles.None, Name = hostd.Value.NodeName };
        }

        var agent = _agent;
        return new ClusterStatus
        {
            Role = membership.Role,
            Name = membership.Name,
            CaHash = transport.Identity.CaPinText,
            Listen = transport.ListenEndPoint?.ToString(),
            Manager = membership.Manager,
            ManagerName = membership.ManagerName,
            CertificateExpires = transport.Identity.Certificate.NotAfter.ToUniversalTime(),
            Serial = transport.Identity.Serial,
            CrlNumber = transport.Revocations.Number,
            Connected = agent?.Connected ?? true,
            LastHeartbeatAt = agent?.LastHeartbeatAt,
            LastError = agent?.LastError,
            Revoked = transport.Revocations.IsRevoked(transport.Identity.Serial),
            Store = membership.Role == ClusterRoles.Manager ? StoreOrDefault(membership.Store) : null,
            Leading = _election?.IsLeader,
            Managers = [.. ManagerList()],
        };
    }

    /// <summary>Starts the role <paramref name="membership"/> names, from the files in the cluster directory.</summary>
    private async Task StartRoleAsync(ClusterMembership membership, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var listen = ParseListen(settings.Listen);
        var identity = HostIdentity.Load(_files);
        var rpc = new ClusterRpc(loggers);
        _rpc = rpc;
        // A manager's CMS that shares the cluster's etcd is named in its heartbeats: the leader gives clones the other
        // managers' CMS as alternates.
        var managed = membership.Role == ClusterRoles.Manager ? StoreOrDefault(membership.Store) : null;
        var probe = new HostCapacityProbe(hostd.Value.StateDirectory, vms, bundles is null ? null : bundles.Holdings, () => cms?.SharedGuestEndpoint(managed));
        if (membership.Role == ClusterRoles.Manager)
        {
            var ca = CertificateAuthority.Load(_files.CaCertificate, _files.CaKey);
            var store = Etcd.ClusterStores.Open(StoreOrDefault(membership.Store), settings, _files);
            RevocationList revocations;
            try
            {
                revocations = await ClusterManager.CurrentRevocationsAsync(store, ca, _files, time.GetUtcNow(), cancellationToken);
            }
            catch
            {
                store.Dispose();
                ca.Dispose();
                throw;
            }

            var transport = new ClusterTransport(identity, revocations, settings, _logger);
            _transport = transport;
            if (store is Etcd.EtcdClusterStore etcd)
            {
                // Several managers share the etcd store; one of them leads (runs deployments, marks hosts down).
                var leading = new Etcd.EtcdLeaderElection(etcd.Connection, etcd.Prefix + "leader", $"{membership.Name} {AdvertisedAddress(listen)}:{listen.Port}", settings.LeaderLeaseTtl, _logger);
                _election = leading;
                etcd.Fence = () => leading.Fence;
            }

            var election = _election;
            var manager = ClusterManager.Start(store, ca, transport, rpc, _files, settings, probe, time, _logger, () => election?.IsLeader ?? true);
            _manager = manager;
            if (election is null)
            {
                await MarkInterruptedAsync(store, time, cancellationToken);
            }
            else
            {
                // The leader's work starts each time this manager begins to lead and stops when it stops: deployments
                // left deploying by a leader that is gone are resumed (in the background); lease expiries mark hosts down.
                election.OnLeading = leadership => _ = Task.Run(async () =>
                {
                    _ = Task.Run(() => ResumeDeploymentsAsync(store, leadership), CancellationToken.None);
                    await manager.LeadAsync(leadership);
                }, CancellationToken.None);
                election.Start();
            }

            transport.Resolver = ResolveOnManagerAsync;
            transport.Listen(listen);
        }
        else
        {
            var revocations = File.Exists(_files.Crl) ? RevocationList.FromPem(await File.ReadAllTextAsync(_files.Crl, cancellationToken), identity.Ca) : RevocationList.Empty;
            var transport = new ClusterTransport(identity, revocations, settings, _logger);
            _transport = transport;
            transport.Resolver = ResolveOnMemberAsync;
            transport.Listen(listen);
            _agent = new ClusterAgent(transport, rpc, membership, _files, settings, probe, time, _logger, BecomeManagerAsync);
            _agent.Start();
        }

        StartRemoteControl(_transport, rpc, membership);
        _transport.Map(ClusterProtocols.Ping, PingAsync);
        bundles?.Attach(_transport);
        _membership = membership;
        ClusterLog.Started(_logger, membership.Name, membership.Role, _transport.Revocations.Number);
        if (cms is not null)
        {
            // With Cms:Store unset the CMS follows the cluster: a manager on etcd keeps the CMS's state there too.
            await cms.FollowClusterAsync(managed, cancellationToken);
        }
    }

    private async Task StopRoleAsync()
    {
        if (_agent is { } agent)
        {
            _agent = null;
            await agent.DisposeAsync();
        }

        if (_transport is { } transport)
        {
            _transport = null;
            await transport.DisposeAsync();
        }

        if (_election is { } election)
        {
            _election = null;
            await election.DisposeAsync();
        }

        if (_manager is { } manager)
        {
            _manager = null;
            await manager.DisposeAsync();
        }

        if (_rpc is { } rpc)
        {
            _rpc = null;
            await rpc.DisposeAsync();
        }

        _remoteControl = null;
        _membership = null;
    }

    /// <summary>The health check of <see cref="ClusterProtocols.Ping"/>: one line naming both ends, then close.</summary>
    private async Task PingAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var line = System.Text.Encoding.UTF8.GetBytes($"jumpstart {Transport?.Identity.Name} sees {connection.PeerName}\n");
        await connection.Stream.WriteAsync(line, cancellationToken);
        await connection.Stream.FlushAsync(cancellationToken);
        await connection.Stream.ShutdownAsync();
    }

    private async Task<string> ResolveOnManagerAsync(string name, CancellationToken cancellationToken)
    {
        var host = await (_manager ?? throw new ClusterNotManagerException("the manager is not running")).Store.GetHostAsync(name, cancellationToken);
        return host is { State: not HostStates.Removed } ? host.Endpoint : throw new ClusterNotFoundException($"no member named {name}");
    }

    private async Task<string> ResolveOnMemberAsync(string name, CancellationToken cancellationToken)
    {
        var hosts = await (_agent ?? throw new ClusterUnreachableException("not connected to the manager")).HostsAsync(cancellationToken);
        return hosts.FirstOrDefault(h => HostNames.Same(h.Name, name) && h.State != HostStates.Removed)?.Endpoint
            ?? throw new ClusterNotFoundException($"no member named {name}");
    }

    /// <exception cref="ClusterRequestException">Not ADDRESS:PORT.</exception>
    private static IPEndPoint ParseListen(string text)
        => IPEndPoint.TryParse(text ?? "", out var endPoint) && (text ?? "").Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw new ClusterRequestException($"{ClusterOptions.Section}:Listen '{text}' is not ADDRESS:PORT");

    /// <summary>
    /// The manager that may run a deployment: on SQLite the one manager; on etcd the elected leader only (a follower
    /// names the leader, so the caller can go there).
    /// </summary>
    /// <exception cref="ClusterNotManagerException">This host is no manager, or a follower.</exception>
    private async Task RequireLeaderAsync(CancellationToken cancellationToken)
    {
        RequireManager();
        if (_election is { IsLeader: false } election)
        {
            var leader = await election.LeaderAsync(cancellationToken);
            throw new ClusterNotManagerException(leader is null
                ? "no manager leads the cluster at the moment (an election is under way); try again in a few seconds"
                : $"this manager is a follower; the leader is {leader}: run this there");
        }
    }

    private ClusterManager RequireManager()
        => _manager ?? throw new ClusterNotManagerException(_membership is { } m
            ? $"this host is a member; the manager is {m.ManagerName} at {m.Manager}: run this there"
            : "this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)");
}
