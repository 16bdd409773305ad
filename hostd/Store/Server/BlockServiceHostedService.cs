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

        Server = BlockServer.Start(ServerOptions(value, listen), loggerFactory, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>The server's options: the section's bounds where it sets them, the server's defaults elsewhere.</summary>
    /// <exception cref="OptionsValidationException">A bound below 1.</exception>
    private static BlockServerOptions ServerOptions(BlockServiceOptions value, IPEndPoint listen)
    {
        (string Name, int? Value)[] bounds =
        [
            (nameof(value.MaxConnections), value.MaxConnections),
            (nameof(value.MaxConnectionsPerPeer), value.MaxConnectionsPerPeer),
            (nameof(value.MaxUnauthenticated), value.MaxUnauthenticated),
            (nameof(value.MaxUnauthenticatedPerSource), value.MaxUnauthenticatedPerSource),
            (nameof(value.HelloTimeoutMs), value.HelloTimeoutMs),
            (nameof(value.IdleTimeoutMs), value.IdleTimeoutMs),
            (nameof(value.RequestTimeoutMs), value.RequestTimeoutMs),
            (nameof(value.MaxRequestsInFlight), value.MaxRequestsInFlight),
        ];
        var wrong = bounds.Where(b => b.Value < 1).Select(b => $"Store:{b.Name} is {b.Value}; it must be at least 1").ToList();
        if (wrong.Count > 0)
        {
            throw new OptionsValidationException(BlockServiceOptions.SectionName, typeof(BlockServiceOptions), wrong);
        }

        var defaults = new BlockServerOptions { Listen = listen, Directory = value.Directory, Peers = PeerTokens.Load(value.TokenFile) };
        return defaults with
        {
            MaxConnections = value.MaxConnections ?? defaults.MaxConnections,
            MaxConnectionsPerPeer = value.MaxConnectionsPerPeer ?? defaults.MaxConnectionsPerPeer,
            MaxUnauthenticated = value.MaxUnauthenticated ?? defaults.MaxUnauthenticated,
            MaxUnauthenticatedPerSource = value.MaxUnauthenticatedPerSource ?? defaults.MaxUnauthenticatedPerSource,
            HelloTimeout = Milliseconds(value.HelloTimeoutMs) ?? defaults.HelloTimeout,
            IdleTimeout = Milliseconds(value.IdleTimeoutMs) ?? defaults.IdleTimeout,
            RequestTimeout = Milliseconds(value.RequestTimeoutMs) ?? defaults.RequestTimeout,
            MaxRequestsInFlight = value.MaxRequestsInFlight ?? defaults.MaxRequestsInFlight,
        };
    }

    private static TimeSpan? Milliseconds(int? value) => value is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

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
