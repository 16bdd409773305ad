using Jumpstart.Shared.Cms;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>Builds the policy a deployment's <see cref="PolicySpec"/> names (validated at creation).</summary>
internal static class RolePolicies
{
    public static IRolePolicy Create(PolicySpec spec, ILogger logger) => spec.Kind switch
    {
        PolicyKinds.MasterWorkers => new MasterWorkersPolicy(lowestRank: spec.MasterSelection == PolicyKinds.LowestRank),
        PolicyKinds.AllSame => new AllSamePolicy(spec.Role ?? PolicyKinds.DefaultAllSameRole),
        PolicyKinds.External => new ExternalPolicy(spec.Executable!, TimeSpan.FromMilliseconds(spec.TimeoutMs), logger),
        _ => throw new CmsException(CmsErrorCodes.PolicyFailed, $"unknown policy kind '{spec.Kind}'"),
    };
}
