using System.Net;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Vm;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// Serves <see cref="MetricsOptions.Path"/> over HTTP with Kestrel when <c>Metrics:Enabled</c> is on: a
/// <see cref="MetricsExporter"/> over hostd's instruments and the capabilities this host runs. Its Kestrel is its
/// own minimal one (no configuration sources, no other endpoints), so nothing else becomes reachable over HTTP.
/// </summary>
public sealed class MetricsServer(IOptions<MetricsOptions> options, IServiceProvider services, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>Scrapers served at once; Prometheus uses one connection per target.</summary>
    public const int MaxConnections = 16;

    private readonly ILogger _logger = loggerFactory.CreateLogger<MetricsServer>();
    private WebApplication? _app;
    private MetricsExporter? _exporter;

    /// <summary>Where it listens while started, else null.</summary>
    public IPEndPoint? EndPoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var endPoint = MetricsOptionsValidator.EndPointOf(settings);
        var exporter = new MetricsExporter(new HostdObservedMetrics(
            services.GetService<VmHost>(), services.GetService<ImageService>(), services.GetService<TrafficService>()));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(endPoint);
        });
        var app = builder.Build();
        app.MapGet(MetricsOptions.Path, async context =>
        {
            context.Response.ContentType = MetricsExporter.ContentType;
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            MetricsLog.ListenFailed(_logger, endPoint.ToString(), ex.Message);
            await app.DisposeAsync();
            exporter.Dispose();
            throw;
        }

        (_app, _exporter, EndPoint) = (app, exporter, endPoint);
        MetricsLog.Listening(_logger, endPoint.ToString(), MetricsOptions.Path);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
            MetricsLog.Stopped(_logger);
        }

        Interlocked.Exchange(ref _exporter, null)?.Dispose();
        EndPoint = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
