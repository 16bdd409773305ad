namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>
/// Decides the role of an instance registering for the first time. The CMS calls it with the
/// deployment's registration lock held, so the assignments it sees are exactly those that exist.
/// </summary>
internal interface IRolePolicy
{
    /// <exception cref="CmsException">With <c>PolicyFailed</c> when no role can be decided; nothing is stored then.</exception>
    Task<PolicyDecision> DecideAsync(PolicyInput input, CancellationToken cancellationToken);
}
