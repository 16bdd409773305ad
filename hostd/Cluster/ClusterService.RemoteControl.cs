using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Remote;
using Jumpstart.Hostd.Cluster.Transport;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Remote control's part of the role (hostd/Cluster/README.md, "Remote control").</summary>
public sealed partial class ClusterService
{
    private RemoteControl? _remoteControl;

    /// <summary>Remote control of this host's role.</summary>
    /// <exception cref="ClusterNotManagerException">This host is in no cluster.</exception>
    internal RemoteControl RemoteControl => Volatile.Read(ref _remoteControl) ?? throw new ClusterNotManagerException(
        "this host is in no cluster ('jumpstart cluster init' creates one, 'jumpstart cluster join' joins one)");

    /// <summary>Serves <see cref="ClusterProtocols.Control"/> on the role's transport.</summary>
    private void StartRemoteControl(ClusterTransport transport, ClusterRpc rpc, ClusterMembership membership)
    {
        var remote = new RemoteControl(transport, rpc, membership, ManagerList, options.Value, hostd.Value.EffectiveControlSocketPath, _logger);
        transport.Map(ClusterProtocols.Control, (connection, stopping) =>
            rpc.ServeAsync(connection, ClusterRpc.HostOptions, peer => peer.AddLocalRpcTarget(new RemoteControlTarget(remote, connection, peer)), stopping));
        Volatile.Write(ref _remoteControl, remote);
    }
}
