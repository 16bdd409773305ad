using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Configuration;

/// <summary>The template's warm-up: the clone's code paths, with every change redirected or dropped.</summary>
public sealed partial class ConfigurationEngine
{
    /// <summary>Scratch folder (under the state directory) that stands in for the root and the state during a warm-up.</summary>
    public const string WarmUpDirectory = "warm-up";

    /// <summary>What a warm-up runs instead of the disc's <c>self</c> script: nothing, through /bin/sh.</summary>
    private const string WarmUpSelfScript = ": jumpstart warm-up\n";

    /// <summary>
    /// Runs the same engine over <paramref name="metadata"/> with the network and hostname changes
    /// dropped (links are still listed, argv still built), files written to a scratch root, the clock
    /// read but not set, a no-op shell instead of <c>self</c>, and a loopback stand-in for the CMS (<see cref="Cms.LoopbackCms"/>). The kernel RNG does take the seed: more entropy
    /// never hurts. Leaves the instance marker untouched, so the first real disc applies in full.
    /// </summary>
    /// <remarks>
    /// A suspended template carries its JIT-compiled code into every clone, so the clone's first
    /// configuration runs warm code: this is what makes "disc inserted -> configured" fast.
    /// </remarks>
    public Task<ApplyResult> WarmUpAsync(CloneMetadata metadata, CancellationToken cancellationToken)
        => WarmUpAsync(metadata, new StepRecorder(), cancellationToken);

    /// <summary>As <see cref="WarmUpAsync(CloneMetadata, CancellationToken)"/>, adding the steps to <paramref name="steps"/>.</summary>
    internal async Task<ApplyResult> WarmUpAsync(CloneMetadata metadata, StepRecorder steps, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(options.StateDirectory, WarmUpDirectory);
        DeleteScratch(scratch);
        var warm = new ConfigurationEngine(
            options with { Root = Path.Combine(scratch, "root"), StateDirectory = Path.Combine(scratch, "state") },
            new WarmUpNetwork(network),
            new WarmUpHostname(),
            loggerFactory,
            _identity with { Clock = _identity.Clock is { } clock ? new WarmUpClock(clock) : null, SshKeys = null });
        try
        {
            // A no-op self script: starting a process is the costliest cold path of a clone's
            // configuration (the ip batch, arping, self all go through it), so it must be warm too.
            var result = await warm.ApplyAsync(metadata with { Cms = null, SelfScript = WarmUpSelfScript, Warmup = false }, steps, cancellationToken);

            // The CMS exchange through the real client against a loopback stand-in: a clone's costliest cold path.
            await steps.RunAsync(StepNames.WarmUp, () => Cms.LoopbackCms.ExchangeAsync(metadata.InstanceId, loggerFactory, cancellationToken));
            LogWarmedUp(_logger, metadata.InstanceId, result.Total.TotalMilliseconds);
            return result with { WarmUp = true };
        }
        finally
        {
            DeleteScratch(scratch);
        }
    }

    private static void DeleteScratch(string scratch)
    {
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.WarmedUp, Level = LogLevel.Information, Message = "Warm-up disc {InstanceId} ran the clone's code paths in {TotalMs:0} ms; identity unchanged")]
    private static partial void LogWarmedUp(ILogger logger, string instanceId, double totalMs);
}
