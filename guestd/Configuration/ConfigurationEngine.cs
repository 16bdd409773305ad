using Jumpstart.Guestd.Cms;
using Jumpstart.Guestd.Identity;
using Jumpstart.Guestd.Network;
using Jumpstart.Guestd.Roles;
using Jumpstart.Guestd.Self;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// Turns a clone into the instance its metadata disc describes: read and validate the disc; the
/// clone-uniqueness checklist (RNG reseed, clock, machine-id, network with gratuitous ARP, DNS,
/// hostname, SSH host keys); <c>self</c>; register with the CMS, wait until the CMS has completed
/// the assignment if it says it is pending, apply it, report. A disc whose instance-id the marker
/// already holds changes nothing.
/// </summary>
/// <remarks>
/// Validation runs before the first change, so a bad disc leaves the machine as it was. Once
/// registered, any failure is reported to the CMS as <c>failed</c> with the step and reason. The
/// marker is written last, so a failed run is retried in full next time (every identity step is
/// idempotent, so repeating it is safe). The CMS decides the assignment whole (role, master and its
/// address, files, commands): this class knows no role name and never looks inside one.
/// </remarks>
public sealed partial class ConfigurationEngine(
    EngineOptions options,
    INetworkConfigurator network,
    IKernelHostname kernelHostname,
    ILoggerFactory loggerFactory,
    CloneIdentity? identity = null,
    Hostnamed? hostnamed = null)
{
    /// <summary>A single <c>cms.wait</c> long-poll; the loop repeats it until <see cref="EngineOptions.RoleWaitTimeout"/>.</summary>
    private static readonly TimeSpan s_waitPoll = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggerFactory.CreateLogger<ConfigurationEngine>();
    private readonly CloneIdentity _identity = identity ?? CloneIdentity.None;
    private readonly NetworkApplier _networkApplier = new(network, loggerFactory.CreateLogger<NetworkApplier>());
    /// <summary>The CMS takes a detail of at most 4096 characters (hostd's CmsLimits.MaxDetailLength).</summary>
    private const int MaxDetailChars = 4000;

    private readonly SelfScriptRunner _self = new(loggerFactory.CreateLogger<SelfScriptRunner>());
    private readonly RoleApplier _roles = new(loggerFactory.CreateLogger<RoleApplier>());

    /// <summary>Reads the disc at <paramref name="discPath"/> (image file or block device) and applies it.</summary>
    /// <exception cref="GuestConfigException">A step failed; <see cref="GuestConfigException.Step"/> says which.</exception>
    public Task<ApplyResult> ApplyDiscAsync(string discPath, CancellationToken cancellationToken)
    {
        var recorder = new StepRecorder();
        var metadata = recorder.Run(StepNames.ReadDisc, () => MetadataDisc.Read(discPath));
        return ApplyAsync(metadata, recorder, cancellationToken);
    }

    /// <summary>Applies metadata that was already read.</summary>
    public Task<ApplyResult> ApplyAsync(CloneMetadata metadata, CancellationToken cancellationToken)
        => ApplyAsync(metadata, new StepRecorder(), cancellationToken);

    /// <summary>
    /// Raised once the identity (RNG, clock, machine-id, network, hostname, SSH keys) is in place and
    /// before <c>self</c> and the CMS, so the service can announce it on the console early.
    /// </summary>
    public event Action<ValidatedMetadata, IdentityOutcome>? IdentityApplied;

    /// <summary>The instance-id the state directory says was applied last, or null.</summary>
    public string? AppliedInstanceId => InstanceMarker.Read(options.StateDirectory)?.InstanceId;

    /// <summary>Applies metadata that was already read, adding its steps to <paramref name="steps"/> (the service's disc read is its first).</summary>
    internal async Task<ApplyResult> ApplyAsync(CloneMetadata metadata, StepRecorder steps, CancellationToken cancellationToken)
    {
        var validated = steps.Run(StepNames.Validate, () => MetadataPlanner.Plan(metadata));
        var marker = InstanceMarker.Read(options.StateDirectory);
        if (marker?.InstanceId == validated.InstanceId)
        {
            LogAlreadyApplied(_logger, validated.InstanceId);
            return new ApplyResult
            {
                InstanceId = validated.InstanceId,
                Hostname = validated.Hostname,
                AlreadyApplied = true,
                Role = marker.Role,
                Steps = steps.Steps,
            };
        }

        LogApplying(_logger, validated.InstanceId, validated.Hostname);
        Directory.CreateDirectory(options.StateDirectory);
        await using var cms = metadata.Cms is { } endpoint
            ? new CmsClient(endpoint, options.CmsRetry, loggerFactory.CreateLogger<CmsClient>())
            : null;
        var registered = false;
        try
        {
            var identity = ApplyIdentityBeforeNetwork(validated, steps);
            var links = await steps.RunAsync(StepNames.Network, () => _networkApplier.ApplyAsync(
                validated.Interfaces, marker?.Links ?? new Dictionary<string, string>(), cancellationToken));
            steps.Run(StepNames.Dns, () => ResolvConf.Write(options.Root, validated.InstanceId, validated.Interfaces));
            var kernelName = await steps.RunAsync(StepNames.Hostname, () => SetHostnameAsync(validated.Hostname, cancellationToken));
            identity = await RegenerateSshKeysAsync(identity, steps, cancellationToken);
            if (IdentityApplied is { } announce)
            {
                var applied = identity;
                steps.Run(StepNames.IdentityMarker, () => announce(validated, applied));
            }

            var environment = GuestEnvironment.ForInstance(validated, options.Root, options.StateDirectory);
            if (!string.IsNullOrWhiteSpace(metadata.SelfScript))
            {
                await steps.RunAsync(StepNames.Self, () => _self.RunAsync(metadata.SelfScript, options.StateDirectory, environment, options.SelfTimeout, cancellationToken));
            }

            RoleAssignment? assignment = null;
            if (cms is not null)
            {
                var register = RegisterRequest(validated);
                assignment = await steps.RunAsync(StepNames.Register, () => cms.RegisterAsync(register, cancellationToken));
                registered = true;
                LogRole(_logger, assignment.Role, assignment.Pending);
                if (assignment.Pending)
                {
                    assignment = await steps.RunAsync(StepNames.WaitRole, () => WaitForAssignmentAsync(cms, register, cancellationToken));
                }

                var role = assignment;
                await steps.RunAsync(StepNames.ApplyRole, () => _roles.ApplyAsync(role, options.Root, environment, options.CommandTimeout, cancellationToken));
                await steps.RunAsync(StepNames.Report, async () =>
                {
                    await cms.ReportAsync(Report(validated, InstancePhase.Configured, detail: null), cancellationToken);
                    await cms.ReportAsync(Report(validated, InstancePhase.Ready, detail: null), cancellationToken);
                });
                // Closing the stream is what matters and happens at once; waiting for the peer's read loop to end
                // (StreamJsonRpc's Completion) is not part of being configured, so it finishes in the background. It
                // never faults (JsonRpcPeer swallows the close's errors), and the final dispose below is then a no-op.
                steps.Run(StepNames.Disconnect, () => { _ = cms.DisposeAsync().AsTask(); });
            }

            steps.Run(StepNames.SaveState, () => new InstanceMarker
            {
                InstanceId = validated.InstanceId,
                Role = assignment?.Role,
                AppliedAt = DateTimeOffset.UtcNow,
                Links = links,
            }.Write(options.StateDirectory));

            var result = new ApplyResult
            {
                InstanceId = validated.InstanceId,
                Hostname = validated.Hostname,
                KernelHostname = kernelName,
                Identity = identity,
                Role = assignment?.Role,
                MasterAddress = assignment?.MasterAddress,
                Steps = steps.Steps,
            };
            LogApplied(_logger, validated.InstanceId, result.Role ?? "-", result.Total.TotalMilliseconds);
            return result;
        }
        catch (GuestConfigException ex)
        {
            LogFailed(_logger, validated.InstanceId, ex.Step, ex.Message);
            if (cms is not null)
            {
                // A step before the CMS (the self script, the network) failed: register first, so the CMS can take the
                // report and the deployment sees this instance failed with the reason instead of waiting for it.
                await ReportFailureAsync(cms, validated, ex, registered, cancellationToken);
            }

            throw;
        }
    }

    /// <summary>Long-polls <c>cms.wait</c> for this instance's assignment until the CMS has completed it.</summary>
    private async Task<RoleAssignment> WaitForAssignmentAsync(CmsClient cms, RegisterRequest register, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.RoleWaitTimeout;
        while (true)
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new GuestConfigException(StepNames.WaitRole, $"the CMS did not complete the assignment within {options.RoleWaitTimeout.TotalSeconds:0} s (it waits for what the role depends on, such as its master)");
            }

            var poll = remaining < s_waitPoll ? remaining : s_waitPoll;
            var wait = await cms.WaitAsync(new WaitRequest
            {
                DeploymentId = register.DeploymentId,
                InstanceId = register.InstanceId,
                Token = register.Token,
                ForAssignment = true,
                TimeoutMs = (int)poll.TotalMilliseconds,
            }, cancellationToken);
            if (wait is { Satisfied: true, Assignment: { Pending: false } complete })
            {
                return complete;
            }
        }
    }

    private async Task ReportFailureAsync(CmsClient cms, ValidatedMetadata validated, GuestConfigException failure, bool registered, CancellationToken cancellationToken)
    {
        try
        {
            if (!registered)
            {
                await cms.RegisterAsync(RegisterRequest(validated), cancellationToken);
            }

            var detail = $"{failure.Step}: {failure.Message}";
            await cms.ReportAsync(Report(validated, InstancePhase.Failed, detail.Length <= MaxDetailChars ? detail : detail[..MaxDetailChars]), cancellationToken);
        }
        catch (GuestConfigException ex)
        {
            // The original failure is what matters; the CMS may be the thing that failed.
            LogReportFailedFailed(_logger, ex.Message);
        }
    }

    private static RegisterRequest RegisterRequest(ValidatedMetadata validated) => new()
    {
        DeploymentId = validated.Metadata.DeploymentId!,
        InstanceId = validated.InstanceId,
        Token = validated.Metadata.Cms!.Token,
        Hostname = validated.Hostname,
        Addresses = validated.AddressesForPeers,
    };

    private static ReportRequest Report(ValidatedMetadata validated, string phase, string? detail) => new()
    {
        DeploymentId = validated.Metadata.DeploymentId!,
        InstanceId = validated.InstanceId,
        Token = validated.Metadata.Cms!.Token,
        Phase = phase,
        Detail = detail,
    };

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.AlreadyApplied, Level = LogLevel.Information, Message = "Instance {InstanceId} is already applied; nothing to do")]
    private static partial void LogAlreadyApplied(ILogger logger, string instanceId);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Applying, Level = LogLevel.Information, Message = "Applying instance {InstanceId} (hostname {Hostname})")]
    private static partial void LogApplying(ILogger logger, string instanceId, string hostname);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Role, Level = LogLevel.Information, Message = "The CMS assigned role {Role} (pending: {Pending})")]
    private static partial void LogRole(ILogger logger, string role, bool pending);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Applied, Level = LogLevel.Information, Message = "Instance {InstanceId} applied as {Role} in {TotalMs:0} ms")]
    private static partial void LogApplied(ILogger logger, string instanceId, string role, double totalMs);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.Failed, Level = LogLevel.Error, Message = "Instance {InstanceId} failed at step {Step}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string step, string reason);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.ReportFailedFailed, Level = LogLevel.Warning, Message = "Could not report the failure to the CMS: {Reason}")]
    private static partial void LogReportFailedFailed(ILogger logger, string reason);
}
