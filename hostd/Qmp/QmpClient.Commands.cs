using System.Text.Json;

namespace Jumpstart.Hostd.Qmp;

/// <summary>Typed wrappers for the commands hostd uses (QMP reference, QEMU 7.2).</summary>
public sealed partial class QmpClient
{
    /// <summary><c>query-status</c>.</summary>
    public Task<QmpStatus> QueryStatusAsync(CancellationToken cancellationToken = default)
        => ExecuteAsync<QmpStatus>("query-status", cancellationToken: cancellationToken);

    /// <summary><c>query-name</c>: the <c>-name</c> QEMU was started with, or null.</summary>
    public async Task<string?> QueryNameAsync(CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync("query-name", cancellationToken: cancellationToken);
        return result.ValueKind == JsonValueKind.Object && result.TryGetProperty("name", out var name) ? name.GetString() : null;
    }

    /// <summary><c>stop</c>: pause the vCPUs.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => ExecuteAsync("stop", cancellationToken: cancellationToken);

    /// <summary><c>cont</c>: run the vCPUs.</summary>
    public Task ContinueAsync(CancellationToken cancellationToken = default) => ExecuteAsync("cont", cancellationToken: cancellationToken);

    /// <summary><c>quit</c>: QEMU exits right after answering.</summary>
    public Task QuitAsync(CancellationToken cancellationToken = default) => ExecuteAsync("quit", cancellationToken: cancellationToken);

    /// <summary><c>migrate-set-capabilities</c>, e.g. <c>events</c>, <c>x-ignore-shared</c>.</summary>
    public Task SetMigrationCapabilitiesAsync(IReadOnlyDictionary<string, bool> capabilities, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "migrate-set-capabilities",
            new { Capabilities = capabilities.Select(c => new { Capability = c.Key, State = c.Value }).ToArray() },
            cancellationToken: cancellationToken);

    /// <summary><c>migrate-set-parameters</c> with kebab-cased members, e.g. <c>new { MaxBandwidth = ... }</c>.</summary>
    public Task SetMigrationParametersAsync(object parameters, CancellationToken cancellationToken = default)
        => ExecuteAsync("migrate-set-parameters", parameters, cancellationToken: cancellationToken);

    /// <summary><c>migrate</c> to <paramref name="uri"/>, then waits for the MIGRATION event that ends it.</summary>
    /// <remarks>Needs the <c>events</c> migration capability on. A failed migration's reason comes from <c>query-migrate</c>'s <c>error-desc</c>.</remarks>
    /// <exception cref="QmpMigrationException">The migration failed or was cancelled.</exception>
    public Task MigrateAsync(string uri, TimeSpan timeout, CancellationToken cancellationToken = default)
        => RunMigrationAsync("migrate", uri, timeout, cancellationToken);

    /// <summary><c>migrate-incoming</c> on a QEMU started with <c>-incoming defer</c>, then waits until the state is loaded.</summary>
    /// <exception cref="QmpMigrationException">Loading failed (QEMU usually exits then).</exception>
    public Task MigrateIncomingAsync(string uri, TimeSpan timeout, CancellationToken cancellationToken = default)
        => RunMigrationAsync("migrate-incoming", uri, timeout, cancellationToken);

    /// <summary><c>blockdev-change-medium</c>: put a read-only raw image in the drive of qdev <paramref name="deviceId"/>.</summary>
    public Task ChangeMediumAsync(string deviceId, string file, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "blockdev-change-medium",
            new { Id = deviceId, Filename = file, Format = "raw", ReadOnlyMode = "read-only" },
            cancellationToken: cancellationToken);

    /// <summary><c>eject</c> the medium of qdev <paramref name="deviceId"/>; <paramref name="force"/> overrides a guest's tray lock.</summary>
    public Task EjectAsync(string deviceId, bool force, CancellationToken cancellationToken = default)
        => ExecuteAsync("eject", new { Id = deviceId, Force = force }, cancellationToken: cancellationToken);

    private async Task RunMigrationAsync(string command, string uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var events = Subscribe();
        await ExecuteAsync(command, new { Uri = uri }, cancellationToken: cancellationToken);
        var end = await events.WaitAsync(
            e => e.Name == QmpEvents.Migration && e.DataString("status") is QmpEvents.MigrationCompleted or QmpEvents.MigrationFailed or QmpEvents.MigrationCancelled,
            timeout,
            $"{command} completion",
            cancellationToken);
        var status = end.DataString("status");
        if (status == QmpEvents.MigrationCompleted)
        {
            return;
        }

        string? reason = null;
        try
        {
            var info = await ExecuteAsync("query-migrate", cancellationToken: cancellationToken);
            reason = info.TryGetProperty("error-desc", out var desc) ? desc.GetString() : null;
        }
        catch (QmpException)
        {
            // An incoming QEMU whose load failed exits at once; the event is all there is.
        }

        throw new QmpMigrationException(command, status ?? "unknown", reason);
    }
}
