using System.Diagnostics;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// Service mode: watches the configured CDROM devices for a metadata disc whose instance-id has not
/// been applied, and applies it. After a resume hostd inserts the clone's disc, and the next poll
/// (every few milliseconds) reconfigures the clone. A warm-up disc runs the clone's code paths
/// without changing anything (<see cref="ConfigurationEngine.WarmUpAsync(CloneMetadata, CancellationToken)"/>).
/// </summary>
/// <remarks>
/// A CDROM is only read when <see cref="CdromProbe"/> says a disc is in and it is new (the drive
/// had no disc before, or reports a media change), so polling costs two ioctls, not a disc read.
/// Anything that is not a CDROM (an image file in tests) is read every poll. A disc that failed is
/// not retried while it stays in the drive (a failing step would otherwise repeat every poll);
/// inserting a new disc, or restarting the service, tries again.
/// </remarks>
public sealed partial class DiscWatcher : BackgroundService
{
    private readonly GuestdSettings _settings;
    private readonly ConfigurationEngine _engine;
    private readonly ILogger<DiscWatcher> _logger;
    private readonly ServiceStatus? _status;
    private readonly ConsoleMarkers? _markers;
    private readonly Dictionary<string, string> _lastProblem = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CdromStatus> _lastStatus = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unread = new(StringComparer.Ordinal);
    private string? _failedInstanceId;
    private string? _warmedInstanceId;

    public DiscWatcher(GuestdSettings settings, ConfigurationEngine engine, ILogger<DiscWatcher> logger, ServiceStatus? status = null, ConsoleMarkers? markers = null)
    {
        _settings = settings;
        _engine = engine;
        _logger = logger;
        _status = status;
        _markers = markers;
        engine.IdentityApplied += (validated, identity) => markers?.Write(
            ConsoleMarkers.Identity,
            ("instance", validated.InstanceId),
            ("hostname", validated.Hostname),
            ("machine-id", identity.MachineId),
            ("rng", identity.RngReseeded ? "reseeded" : "unchanged"),
            ("seed-bytes", identity.SeedBytes),
            ("clock", identity.ClockSource is null ? "unchanged" : identity.ClockSet ? "set" : "ok"),
            ("clock-source", identity.ClockSource),
            ("clock-step-ms", (long)identity.ClockStep.TotalMilliseconds),
            ("macs", string.Join(',', validated.Interfaces.Select(i => i.Mac).OfType<string>())),
            ("addresses", string.Join(',', validated.Interfaces.SelectMany(i => i.Addresses))),
            ("ssh-keys", identity.SshHostKeys));
    }

    /// <summary>One pass over the devices; returns the result of an apply or warm-up, if one ran.</summary>
    public async Task<ApplyResult?> PollOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var device in _settings.WatchedDevices)
        {
            if (!ShouldRead(device))
            {
                continue;
            }

            var detected = Stopwatch.GetTimestamp();
            var runtime = RuntimeActivity.Take();
            var metadata = TryRead(device);
            var read = Stopwatch.GetElapsedTime(detected);
            if (metadata is null || metadata.InstanceId == _failedInstanceId || metadata.InstanceId == _warmedInstanceId
                || metadata.InstanceId == _engine.AppliedInstanceId)
            {
                continue;
            }

            // Every part of "detected -> configured" is a step, so the marker's steps add up to its total-ms.
            var steps = new StepRecorder();
            steps.Record(StepNames.ReadDisc, read, runtime.JitMethodsSince());
            steps.Run(StepNames.DiscMarker, () =>
            {
                LogNewDisc(_logger, device, metadata.InstanceId);
                _markers?.Write(ConsoleMarkers.Disc, ("device", device), ("instance", metadata.InstanceId), ("warmup", metadata.Warmup));
            });
            try
            {
                var result = metadata.Warmup
                    ? await _engine.WarmUpAsync(metadata, steps, cancellationToken)
                    : await _engine.ApplyAsync(metadata, steps, cancellationToken);
                _failedInstanceId = null;
                if (result.WarmUp)
                {
                    _warmedInstanceId = result.InstanceId;
                }

                _status?.Set(result.WarmUp ? $"warmed up with {result.InstanceId}" : $"instance {result.InstanceId} applied as {result.Role ?? "standalone"}");
                var elapsed = Stopwatch.GetElapsedTime(detected);
                var timings = result.Steps.Append(new StepTiming(StepNames.Other, elapsed - result.Total, Succeeded: true)).ToList();
                _markers?.Write(
                    result.WarmUp ? ConsoleMarkers.WarmedUp : ConsoleMarkers.Configured,
                    ("instance", result.InstanceId),
                    ("hostname", result.Hostname),
                    ("kernel-hostname", result.KernelHostname),
                    ("role", result.Role),
                    ("master", result.MasterAddress),
                    ("total-ms", (long)elapsed.TotalMilliseconds),
                    ("zeroed-mib", result.ZeroedFreeBytes >> 20),
                    ("steps", ConsoleMarkers.Steps(timings)),
                    ("jit-methods", runtime.JitMethodsSince()),
                    ("jit-ms", (long)runtime.JitTimeSince().TotalMilliseconds),
                    ("jit", ConsoleMarkers.JitSteps(timings)),
                    ("gc", runtime.CollectionsSince()));
                return result with { Steps = timings };
            }
            catch (GuestConfigException ex)
            {
                _failedInstanceId = metadata.InstanceId;
                _status?.Set($"instance {metadata.InstanceId} failed at {ex.Step}: {ex.Message}");
                _markers?.Write(ConsoleMarkers.Failed, ("instance", metadata.InstanceId), ("step", ex.Step), ("reason", ex.Message));
            }
        }

        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogWatching(_logger, string.Join(", ", _settings.WatchedDevices), _settings.PollIntervalMs);
        _status?.Set($"watching {string.Join(", ", _settings.WatchedDevices)}");
        _markers?.Write(ConsoleMarkers.Ready, ("devices", string.Join(',', _settings.WatchedDevices)), ("poll-ms", _settings.PollIntervalMs),
            ("applied", _engine.AppliedInstanceId));
        var interval = TimeSpan.FromMilliseconds(_settings.PollIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollOnceAsync(stoppingToken);
            await Task.Delay(interval, stoppingToken);
        }
    }

    /// <summary>Whether to read the disc in <paramref name="device"/> now (see the class remarks).</summary>
    private bool ShouldRead(string device)
    {
        var status = CdromProbe.Probe(device, out var changed);
        var known = _lastStatus.TryGetValue(device, out var last);
        _lastStatus[device] = status;
        switch (status)
        {
            case CdromStatus.NotCdrom:
                return true;
            case CdromStatus.DiscOk:
                if (changed || !known || last != CdromStatus.DiscOk)
                {
                    _unread.Add(device);
                }

                return _unread.Contains(device);
            default:
                _unread.Remove(device);
                if (!known || last != status)
                {
                    Problem(device, status.ToString());
                }

                return false;
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
                _unread.Remove(device);
                _lastProblem.Remove(device);
                return metadata;
            }
        }
        catch (MetadataException ex)
        {
            Reject(device, ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An empty drive (ENOMEDIUM) or a drive still spinning up: try again next poll.
            problem = ex.Message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The disc is untrusted input and the readers turn anything malformed into MetadataException, so this
            // is a bug in a reader: it costs this disc, never the agent, which must still apply the next one.
            LogReaderBug(_logger, device, ex);
            Reject(device, $"unreadable ({ex.GetType().Name}: {ex.Message})");
            return null;
        }

        Problem(device, problem);
        return null;
    }

    /// <summary>A disc that is not a usable metadata disc: logged, shown as the service status and on the console, once per reason.</summary>
    private void Reject(string device, string reason)
    {
        // A foreign or broken disc stays so: do not read it again until the medium changes.
        _unread.Remove(device);
        if (_lastProblem.TryGetValue(device, out var last) && last == reason)
        {
            return;
        }

        _lastProblem[device] = reason;
        LogRejected(_logger, device, reason);
        _status?.Set($"disc in {device} rejected: {reason}");
        _markers?.Write(ConsoleMarkers.Rejected, ("device", device), ("reason", reason));
    }

    /// <summary>Logs why a device gave nothing, once per distinct reason rather than every poll.</summary>
    private void Problem(string device, string problem)
    {
        if (!_lastProblem.TryGetValue(device, out var last) || last != problem)
        {
            _lastProblem[device] = problem;
            LogNoDisc(_logger, device, problem);
        }
    }

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.Watching, Level = LogLevel.Information, Message = "Watching {Devices} every {IntervalMs} ms for a metadata disc")]
    private static partial void LogWatching(ILogger logger, string devices, int intervalMs);

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.NewDisc, Level = LogLevel.Information, Message = "New metadata disc in {Device}: instance {InstanceId}")]
    private static partial void LogNewDisc(ILogger logger, string device, string instanceId);

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.NoDisc, Level = LogLevel.Debug, Message = "No usable metadata disc in {Device}: {Problem}")]
    private static partial void LogNoDisc(ILogger logger, string device, string problem);

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.DiscRejected, Level = LogLevel.Warning, Message = "Rejected the disc in {Device}: {Reason}; watching for the next disc")]
    private static partial void LogRejected(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = LogEventIds.GuestdDaemon.ReaderBug, Level = LogLevel.Error, Message = "Reading the disc in {Device} failed unexpectedly (a bug in a disc reader)")]
    private static partial void LogReaderBug(ILogger logger, string device, Exception exception);
}
