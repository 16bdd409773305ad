using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Runs the CMS inside hostd when <see cref="CmsOptions.Enabled"/> (section <c>Cms</c>); stops it
/// gracefully with the host.
/// </summary>
public sealed class CmsHostedService(IOptions<CmsOptions> options, ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly TaskCompletionSource<CmsServer> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The running server once started (null while disabled, before start and after stop).</summary>
    public CmsServer? Server { get; private set; }

    /// <summary>Completes with the server once it listens; fails if it could not start; never completes while disabled.</summary>
    public Task<CmsServer> Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        CmsServer server;
        try
        {
            server = await CmsServer.StartAsync(options.Value, loggerFactory, stoppingToken);
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }

        await using var _ = server;
        Server = server;
        _started.TrySetResult(server);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: dispose the server below.
        }
        finally
        {
            Server = null;
        }
    }
}
