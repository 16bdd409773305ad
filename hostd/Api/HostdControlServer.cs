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
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Api;

/// <summary>Serves <see cref="HostdApi"/> over JSON-RPC on the control socket once it is open.</summary>
public sealed class HostdControlServer(ControlSocket controlSocket, HostdApi api, VmHost vms, ImageService images, IOptions<BlockServiceOptions> store, IOptions<HostdOptions> hostd, TrafficService traffic, ILoggerFactory loggerFactory, CmsHostedService? cms = null, IOptions<CmsOptions>? cmsOptions = null) : IHostedService, IAsyncDisposable
{
    private JsonRpcServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var bundles = new BundleStore(hostd.Value.StateDirectory);
        _server = JsonRpcServer.Listen(controlSocket.Listener, connection =>
        {
            connection.AddLocalTarget(api);
            connection.AddLocalTarget(new VmApi(vms, connection, images, RunningCms));
            connection.AddLocalTarget(new ImageApi(images, connection));
            connection.AddLocalTarget(new StoreApi(store, bundles, connection, loggerFactory.CreateLogger<FogStore>()));
            connection.AddLocalTarget(new TrafficApi(traffic));
        }, loggerFactory: loggerFactory);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>The CMS this hostd runs, once it listens; null when disabled.</summary>
    private LocalCms? RunningCms() => cms?.Server is { } server && cmsOptions is not null ? new LocalCms(server.TcpEndPoint, cmsOptions.Value.AdminTokenFile) : null;

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }
}
