using System.Text.Json;
using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>
/// The paper's client-supplied user policy: an executable that reads one JSON document on stdin
/// (the deployment, the registering instance and the current assignments) and prints
/// <c>{"role": "...", "variables": {"NAME": "value"}}</c> on stdout. A timeout, a non-zero exit,
/// or output that is not such a document fails the registration with <c>PolicyFailed</c>.
/// </summary>
internal sealed class ExternalPolicy(string executable, TimeSpan timeout, ILogger logger) : IRolePolicy
{
    public async Task<PolicyDecision> DecideAsync(PolicyInput input, CancellationToken cancellationToken)
    {
        var stdin = JsonSerializer.SerializeToUtf8Bytes(BuildRequest(input), CmsJson.Options);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                executable,
                [],
                new ProcessRunOptions
                {
                    Timeout = timeout,
                    StandardInput = stdin,
                    MaxCapturedChars = CmsLimits.MaxPolicyOutputChars,
                    OnLine = line =>
                    {
                        if (line.IsError)
                        {
                            CmsLog.PolicyStderr(logger, input.Deployment.DeploymentId, line.Text);
                        }
                    },
                },
                cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new CmsException(CmsErrorCodes.PolicyFailed, $"policy {ex.Message}");
        }

        if (result.TimedOut)
        {
            CmsException.ThrowPolicyFailed($"policy '{executable}' did not answer within {timeout.TotalMilliseconds:0} ms");
        }

        if (result.ExitCode != 0)
        {
            CmsException.ThrowPolicyFailed(
                $"policy '{executable}' exited with {result.ExitCode}: {CmsValidation.Truncate(result.StandardError.Trim())}");
        }

        return ParseAnswer(result.StandardOutput);
    }

    /// <summary>Turns the policy's stdout into a decision, refusing anything but a well-formed answer.</summary>
    internal static PolicyDecision ParseAnswer(string stdout)
    {
        Answer? answer = null;
        try
        {
            answer = JsonSerializer.Deserialize<Answer>(stdout, CmsJson.Options);
        }
        catch (JsonException ex)
        {
            CmsException.ThrowPolicyFailed($"policy printed invalid JSON: {ex.Message}");
        }

        if (answer is null || !CmsValidation.IsName(answer.Role, CmsLimits.MaxRoleNameLength))
        {
            CmsException.ThrowPolicyFailed($"policy answer has no valid \"role\": {CmsValidation.Truncate(stdout.Trim())}");
        }

        if (CmsValidation.CheckVariables(answer.Variables) is { } problem)
        {
            CmsException.ThrowPolicyFailed($"policy answer: {problem}");
        }

        return new PolicyDecision(answer.Role!, answer.Variables ?? new Dictionary<string, string>());
    }

    private static Request BuildRequest(PolicyInput input) => new(
        new DeploymentView(input.Deployment.DeploymentId, input.Instances.Count, [.. input.Deployment.Roles.Keys]),
        View(input.Instance),
        [.. input.Instances.Select(View)]);

    private static InstanceView View(InstanceRecord record)
        => new(record.InstanceId, record.Hostname, record.Addresses, record.Rank, record.Role, record.Phase);

    /// <summary>What the executable reads on stdin.</summary>
    private sealed record Request(DeploymentView Deployment, InstanceView Instance, IReadOnlyList<InstanceView> Instances);

    private sealed record DeploymentView(string DeploymentId, int Expected, IReadOnlyList<string> Roles);

    private sealed record InstanceView(string InstanceId, string? Hostname, IReadOnlyList<string> Addresses, int? Rank, string? Role, string Phase);

    /// <summary>What the executable prints on stdout.</summary>
    private sealed record Answer(string? Role, Dictionary<string, string>? Variables);
}
