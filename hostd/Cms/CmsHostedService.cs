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
    /// <summary>The running server once started (null while disabled or before start).</summary>
    public CmsServer? Server { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await using var server = await CmsServer.StartAsync(options.Value, loggerFactory, stoppingToken);
        Server = server;
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
