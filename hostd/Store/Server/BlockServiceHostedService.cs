using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// Runs a <see cref="BlockServer"/> inside hostd when <see cref="BlockServiceOptions.Enabled"/>; it listens before
/// <see cref="StartAsync"/> returns, and a bad token file or a port in use fails the daemon's start.
/// </summary>
public sealed class BlockServiceHostedService(IOptions<BlockServiceOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>The running server (null while disabled, before start and after stop).</summary>
    public BlockServer? Server { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        if (!value.Enabled)
        {
            return Task.CompletedTask;
        }

        if (!IPEndPoint.TryParse(value.Listen, out var listen))
        {
            throw new OptionsValidationException(BlockServiceOptions.SectionName, typeof(BlockServiceOptions), [$"Store:Listen '{value.Listen}' is not ADDRESS:PORT"]);
        }

        Server = BlockServer.Start(new BlockServerOptions { Listen = listen, Directory = value.Directory, Peers = PeerTokens.Load(value.TokenFile) }, loggerFactory, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            Server = null;
            await server.DisposeAsync();
        }
    }
}
