using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Daemon;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Hosting;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Api;

/// <summary>Serves <see cref="HostdApi"/> over JSON-RPC on the control socket once it is open.</summary>
public sealed class HostdControlServer(ControlSocket controlSocket, HostdApi api, VmHost vms, ImageService images, IOptions<BlockServiceOptions> store, IOptions<HostdOptions> hostd, TrafficService traffic, ILoggerFactory loggerFactory, CmsHostedService? cms = null, IOptions<CmsOptions>? cmsOptions = null, Cluster.ClusterService? cluster = null) : IHostedService, IAsyncDisposable
{
    private JsonRpcServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var bundles = new BundleStore(hostd.Value.StateDirectory);
        if (cluster is not null)
        {
            // A new leader resumes the deployments the previous one left (their clones register with this CMS).
            cluster.LocalCms = RunningCms;
        }

        // The socket file's mode and group are the first gate; SO_PEERCRED is the second, and it holds even when
        // systemd made the socket with other permissions.
        var options = new JsonRpcOptions { PeerPolicy = PolicyFor(hostd.Value.ControlSocketGroup), Administrative = true };
        _server = JsonRpcServer.Listen(controlSocket.Listener, connection =>
        {
            connection.AddLocalRpcTarget(api);
            connection.AddLocalRpcTarget(new VmApi(vms, connection, images, RunningCms));
            connection.AddLocalRpcTarget(new ImageApi(images, connection));
            connection.AddLocalRpcTarget(new StoreApi(store, bundles, connection, loggerFactory.CreateLogger<FogStore>()));
            connection.AddLocalRpcTarget(new TrafficApi(traffic));
            if (cluster is not null)
            {
                connection.AddLocalRpcTarget(new Cluster.Remote.RemoteControlApi(cluster, connection));
                connection.AddLocalRpcTarget(new Cluster.ClusterControlApi(cluster));
                connection.AddLocalRpcTarget(new Cluster.Bundles.BundleControlApi(cluster, connection));
                connection.AddLocalRpcTarget(new Cluster.Deployments.DeploymentControlApi(cluster, connection, RunningCms));
            }
        }, options, loggerFactory);
        return Task.CompletedTask;
    }

    private static PeerCredentialPolicy PolicyFor(string? group)
    {
        try
        {
            return PeerCredentialPolicy.ForGroup(group);
        }
        catch (ArgumentException ex)
        {
            throw new DaemonConfigurationException($"{HostdOptions.Section}:ControlSocketGroup '{group}' does not exist", ex);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>The CMS this hostd runs, once it listens; null when disabled.</summary>
    private LocalCms? RunningCms() => cms?.Server is { } server && cmsOptions is not null ? new LocalCms(server.TcpEndPoint, cmsOptions.Value.AdminTokenFile, cmsOptions.Value.GuestEndpoint) : null;

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }
}
