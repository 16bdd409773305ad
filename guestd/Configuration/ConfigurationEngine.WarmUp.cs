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

    /// <summary>TEST-NET-1 (RFC 5737): planned in a warm-up, never sent to the kernel.</summary>
    private const string WarmUpGateway = "192.0.2.1";
    private const string WarmUpRoute = "198.51.100.0/24";
    private const int WarmUpMetric = 100;

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
            WarmUpNetwork.For(network),
            new WarmUpHostname(kernelHostname),
            loggerFactory,
            _identity with { Clock = _identity.Clock is { } clock ? new WarmUpClock(clock) : null, SshKeys = null });
        ApplyResult result;
        try
        {
            await using var cms = Cms.LoopbackCms.Start(cancellationToken);

            // A no-op self script: starting a process is the costliest cold path of a clone's
            // configuration (the ip batch, arping, self all go through it), so it must be warm too.
            result = await warm.ApplyAsync(CloneLike(metadata, cms.Endpoint), steps, cancellationToken);

            // The libc calls a warm-up must not make (setting the clock, sending an ARP): their stubs, without the calls.
            steps.Run(StepNames.Prelink, Platform.LibC.Prelink);

            // hostnamed's client (the D-Bus library, loaded from the single-file bundle on first use), asking only whether it is there.
            await steps.RunAsync(StepNames.Hostnamed, () => WarmUpHostnamedAsync(cancellationToken));
        }
        finally
        {
            DeleteScratch(scratch);
        }

        // Last, after the scratch files are gone: hostd suspends the template as soon as it sees the warmed-up marker.
        if (metadata.ZeroFreeMemory && _identity.FreeMemory is { } memory)
        {
            var zeroed = steps.Run(StepNames.ZeroFreeMemory, () => memory.Zero(cancellationToken));
            LogFreeMemoryZeroed(_logger, zeroed >> 20, steps.Steps[^1].Duration.TotalMilliseconds);
            result = result with { ZeroedFreeBytes = zeroed };
        }

        LogWarmedUp(_logger, metadata.InstanceId, result.Total.TotalMilliseconds);
        return result with { WarmUp = true };
    }

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.FreeMemoryZeroed, Level = LogLevel.Information, Message = "Zeroed {ZeroedMiB} MiB of free memory for the template's stream in {ElapsedMs:0} ms")]
    private static partial void LogFreeMemoryZeroed(ILogger logger, long zeroedMiB, double elapsedMs);

    /// <summary>
    /// The warm-up disc made to look like a clone's, so that the warm-up runs every step a clone runs: a CMS (the
    /// loopback stand-in, whose role is pending first), and per interface a new MAC (locally administered; the link goes
    /// down and takes it, read-only), a gateway, a route and a DNS server from TEST-NET-1 (RFC 5737, never routed). It goes
    /// through the disc writer and reader once, so the reader parses every field a clone's disc has.
    /// </summary>
    private static CloneMetadata CloneLike(CloneMetadata warmUp, CmsEndpoint cms)
    {
        var like = warmUp with
        {
            DeploymentId = Cms.LoopbackCms.DeploymentId,
            Cms = cms,
            HostTime = warmUp.HostTime ?? DateTimeOffset.UtcNow,
            SelfScript = WarmUpSelfScript,
            Warmup = false,
            ZeroFreeMemory = false,
            Interfaces = [.. warmUp.Interfaces.Select(i => i with
            {
                Mac = i.Mac is { } mac ? OtherMac(mac) : null,
                Gateway = i.Gateway ?? WarmUpGateway,
                Routes = i.Routes.Count > 0 ? i.Routes : [new RouteConfig { Destination = WarmUpRoute, Gateway = WarmUpGateway, Metric = WarmUpMetric }],
                DnsServers = i.DnsServers.Count > 0 ? i.DnsServers : [WarmUpGateway],
            })],
        };
        using var disc = new MemoryStream();
        MetadataDisc.Write(like, disc);
        disc.Position = 0;
        return MetadataDisc.Read(disc) with { Cms = cms };
    }

    /// <summary>The MAC with the locally administered bit flipped: a different address of the same form.</summary>
    private static string OtherMac(string mac)
        => $"{Convert.ToByte(mac[..2], 16) ^ 0x02:x2}{mac[2..]}";

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
