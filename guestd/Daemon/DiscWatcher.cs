using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// Service mode: polls the configured CDROM devices for a metadata disc whose instance-id has not
/// been applied, and applies it. After a resume hostd inserts the clone's disc, and the next poll
/// reconfigures the clone.
/// </summary>
/// <remarks>
/// A disc that failed is not retried while it stays in the drive (a failing step would otherwise
/// repeat every poll); inserting a new disc, or restarting the service, tries again.
/// </remarks>
public sealed partial class DiscWatcher(GuestdSettings settings, ConfigurationEngine engine, ILogger<DiscWatcher> logger, ServiceStatus? status = null)
    : BackgroundService
{
    private readonly Dictionary<string, string> _lastProblem = new(StringComparer.Ordinal);
    private string? _failedInstanceId;

    /// <summary>One pass over the devices; returns the result of an apply, if one ran.</summary>
    public async Task<ApplyResult?> PollOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var device in settings.WatchedDevices)
        {
            var metadata = TryRead(device);
            if (metadata is null || metadata.InstanceId == _failedInstanceId || metadata.InstanceId == engine.AppliedInstanceId)
            {
                continue;
            }

            LogNewDisc(logger, device, metadata.InstanceId);
            try
            {
                var result = await engine.ApplyAsync(metadata, cancellationToken);
                _failedInstanceId = null;
                status?.Set($"instance {result.InstanceId} applied as {result.Role ?? "standalone"}");
                return result;
            }
            catch (GuestConfigException ex)
            {
                _failedInstanceId = metadata.InstanceId;
                status?.Set($"instance {metadata.InstanceId} failed at {ex.Step}: {ex.Message}");
            }
        }

        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogWatching(logger, string.Join(", ", settings.WatchedDevices), settings.PollIntervalMs);
        status?.Set($"watching {string.Join(", ", settings.WatchedDevices)}");
        var interval = TimeSpan.FromMilliseconds(settings.PollIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollOnceAsync(stoppingToken);
            await Task.Delay(interval, stoppingToken);
        }
    }

    private CloneMetadata? TryRead(string device)
    {
        string problem;
        try
        {
            if (!File.Exists(device))
            {
                problem = "absent";
            }
            else
            {
                var metadata = MetadataDisc.Read(device);
                _lastProblem.Remove(device);
                return metadata;
            }
        }
        catch (Exception ex) when (ex is MetadataException or IOException or UnauthorizedAccessException)
        {
            // An empty drive (ENOMEDIUM) or a foreign disc is normal; say so once, not every poll.
            problem = ex.Message;
        }

        if (!_lastProblem.TryGetValue(device, out var last) || last != problem)
        {
            _lastProblem[device] = problem;
            LogNoDisc(logger, device, problem);
        }

        return null;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Watching {Devices} every {IntervalMs} ms for a metadata disc")]
    private static partial void LogWatching(ILogger logger, string devices, int intervalMs);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "New metadata disc in {Device}: instance {InstanceId}")]
    private static partial void LogNewDisc(ILogger logger, string device, string instanceId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "No usable metadata disc in {Device}: {Problem}")]
    private static partial void LogNoDisc(ILogger logger, string device, string problem);
}
