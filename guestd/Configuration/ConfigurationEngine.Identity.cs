using Jumpstart.Guestd.Identity;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Configuration;

/// <summary>The clone-uniqueness steps that run before the network comes up (issue 3 §4).</summary>
public sealed partial class ConfigurationEngine
{
    /// <summary>
    /// RNG first (the machine-id and every key drawn afterwards must come from the reseeded pool),
    /// then the clock (so the logs, the marker and the CMS see real time), then the machine-id.
    /// </summary>
    private IdentityOutcome ApplyIdentityBeforeNetwork(ValidatedMetadata validated, StepRecorder steps)
    {
        var outcome = new IdentityOutcome();
        if (_identity.Random is { } random && validated.Metadata.RandomSeed is { Length: > 0 } seedText)
        {
            outcome = steps.Run(StepNames.RngReseed, () =>
            {
                var seed = Convert.FromBase64String(seedText);
                try
                {
                    random.Reseed(seed);
                }
                finally
                {
                    Array.Clear(seed);
                }

                LogReseeded(_logger, seed.Length);
                return outcome with { SeedBytes = seed.Length, RngReseeded = true };
            });
        }
        else if (_identity.Random is not null)
        {
            LogNoSeed(_logger, validated.InstanceId);
        }

        if (_identity.Clock is { } clock)
        {
            outcome = steps.Run(StepNames.Clock, () =>
            {
                var decision = ClockDecision.Decide(clock.UtcNow, clock.ReadRtc(), validated.Metadata.HostTime);
                if (decision.Target is { } target)
                {
                    clock.Set(target);
                }

                LogClock(_logger, decision.Source, decision.Offset.TotalMilliseconds, decision.Target is not null);
                return outcome with { ClockSource = decision.Source, ClockStep = decision.Offset, ClockSet = decision.Target is not null };
            });
        }

        if (_identity.WriteMachineId)
        {
            outcome = steps.Run(StepNames.MachineId, () =>
            {
                var id = MachineId.Generate();
                MachineId.Write(options.Root, id);
                return outcome with { MachineId = id };
            });
        }

        return outcome;
    }

    private async Task<IdentityOutcome> RegenerateSshKeysAsync(IdentityOutcome outcome, StepRecorder steps, CancellationToken cancellationToken)
    {
        if (_identity.SshKeys is not { } keys || !SshHostKeys.ServerInstalled(options.Root))
        {
            return outcome;
        }

        var count = await steps.RunAsync(StepNames.SshHostKeys, () => keys.RegenerateAsync(options.Root, cancellationToken));
        return outcome with { SshHostKeys = count };
    }

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Reseeded, Level = LogLevel.Information, Message = "Kernel RNG reseeded with {Bytes} bytes from the disc (RNDADDENTROPY + RNDRESEEDCRNG)")]
    private static partial void LogReseeded(ILogger logger, int bytes);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.NoSeed, Level = LogLevel.Warning, Message = "Instance {InstanceId}: the disc carries no random seed; the kernel RNG keeps the template's state")]
    private static partial void LogNoSeed(ILogger logger, string instanceId);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Clock, Level = LogLevel.Information, Message = "Clock checked against {Source}: offset {OffsetMs:0} ms, stepped {Stepped}")]
    private static partial void LogClock(ILogger logger, string source, double offsetMs, bool stepped);
}
