using System.Text.RegularExpressions;
using Jumpstart.Hostd.Cms.Policies;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

/// <summary>Refuses a deployment spec the CMS could not serve, before anything is stored.</summary>
internal static partial class DeploymentSpecValidator
{
    /// <summary>The role key whose configuration applies to roles without their own.</summary>
    public const string AnyRole = "*";

    [GeneratedRegex("^0?[0-7]{3,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex OctalMode();

    public static void Validate(DeploymentSpec? spec)
    {
        if (spec is null)
        {
            CmsException.ThrowInvalidParams("deployment is required");
        }

        CmsValidation.RequireName(spec.DeploymentId, "deploymentId");
        ValidateInstances(spec.Instances);
        ValidatePolicy(spec.Policy, spec.Instances);
        ValidateRoles(spec.Roles);
    }

    private static void ValidateInstances(IReadOnlyList<ExpectedInstance>? instances)
    {
        if (instances is null || instances.Count == 0 || instances.Count > CmsLimits.MaxInstancesPerDeployment)
        {
            CmsException.ThrowInvalidParams($"instances must list 1-{CmsLimits.MaxInstancesPerDeployment} expected instances");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            if (instance is null)
            {
                CmsException.ThrowInvalidParams("instances contains null");
            }

            CmsValidation.RequireName(instance.InstanceId, "instanceId");
            CmsValidation.RequireToken(instance.Token, $"token of '{instance.InstanceId}'");
            if (!ids.Add(instance.InstanceId))
            {
                CmsException.ThrowInvalidParams($"instance '{instance.InstanceId}' is listed twice");
            }

            // A shared token would let one instance act as another.
            if (!tokens.Add(instance.Token))
            {
                CmsException.ThrowInvalidParams($"the token of '{instance.InstanceId}' is also another instance's token");
            }
        }
    }

    private static void ValidatePolicy(PolicySpec? policy, IReadOnlyList<ExpectedInstance> instances)
    {
        if (policy is null)
        {
            CmsException.ThrowInvalidParams("policy is required");
        }

        switch (policy.Kind)
        {
            case PolicyKinds.MasterWorkers:
                if (policy.MasterSelection is not (null or PolicyKinds.FirstArrival or PolicyKinds.LowestRank))
                {
                    CmsException.ThrowInvalidParams($"masterSelection must be '{PolicyKinds.FirstArrival}' or '{PolicyKinds.LowestRank}'");
                }

                if (policy.MasterSelection == PolicyKinds.LowestRank && instances.Any(i => i.Rank is null))
                {
                    // Ranks in the waiting list make every role known at registration, whatever the arrival order.
                    CmsException.ThrowInvalidParams("lowest-rank needs a rank for every instance of the waiting list");
                }

                break;
            case PolicyKinds.AllSame:
                if (policy.Role is not null)
                {
                    CmsValidation.RequireName(policy.Role, "policy role", CmsLimits.MaxRoleNameLength);
                }

                break;
            case PolicyKinds.External:
                if (string.IsNullOrEmpty(policy.Executable) || !Path.IsPathFullyQualified(policy.Executable))
                {
                    CmsException.ThrowInvalidParams("an external policy needs the absolute path of its executable");
                }

                if (!File.Exists(policy.Executable))
                {
                    CmsException.ThrowInvalidParams($"policy executable '{policy.Executable}' does not exist");
                }

                if (policy.TimeoutMs <= 0 || policy.TimeoutMs > CmsLimits.MaxPolicyTimeoutMs)
                {
                    CmsException.ThrowInvalidParams($"policy timeoutMs must be 1-{CmsLimits.MaxPolicyTimeoutMs}");
                }

                break;
            default:
                CmsException.ThrowInvalidParams(
                    $"unknown policy kind '{CmsValidation.Truncate(policy.Kind)}' (use {PolicyKinds.MasterWorkers}, {PolicyKinds.AllSame} or {PolicyKinds.External})");
                break;
        }
    }

    private static void ValidateRoles(IReadOnlyDictionary<string, RoleConfiguration>? roles)
    {
        if (roles is null)
        {
            return;
        }

        if (roles.Count > CmsLimits.MaxRoles)
        {
            CmsException.ThrowInvalidParams($"more than {CmsLimits.MaxRoles} role configurations");
        }

        foreach (var (role, configuration) in roles)
        {
            if (role != AnyRole)
            {
                CmsValidation.RequireName(role, "role name", CmsLimits.MaxRoleNameLength);
            }

            if (configuration?.Files is null || configuration.Commands is null)
            {
                CmsException.ThrowInvalidParams($"role '{role}' has no configuration");
            }

            foreach (var file in configuration.Files)
            {
                if (file is null || string.IsNullOrEmpty(file.Path) || file.Content is null || file.Mode is null || !OctalMode().IsMatch(file.Mode))
                {
                    CmsException.ThrowInvalidParams($"role '{role}' has a file without a path and content, or with a mode that is not octal");
                }
            }

            if (configuration.Commands.Any(c => c is null || c.Count == 0 || c.Any(a => a is null)))
            {
                CmsException.ThrowInvalidParams($"role '{role}' has an empty command (each command is a non-empty argument vector)");
            }
        }
    }
}
