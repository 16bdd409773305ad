using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Runs the CMS inside hostd when <see cref="CmsOptions.Enabled"/> (section <c>Cms</c>). The server
/// is listening before <see cref="StartAsync"/> returns, so systemd's READY=1 means guests can
/// register; a CMS that cannot start fails the daemon's start instead of dying unnoticed.
/// </summary>
public sealed class CmsHostedService(IOptions<CmsOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<CmsServer> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The running server once started (null while disabled, before start and after stop).</summary>
    public CmsServer? Server { get; private set; }

    /// <summary>Completes with the server once it listens; fails if it could not start; never completes while disabled.</summary>
    public Task<CmsServer> Started => _started.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            Server = await CmsServer.StartAsync(options.Value, loggerFactory, cancellationToken);
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }

        _started.TrySetResult(Server);
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
