using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Deploy;

/// <summary>The clones of one deploy: who they are on the CMS (id, token, rank) and where the CMS is.</summary>
/// <param name="DeploymentId">The CMS deployment they belong to.</param>
/// <param name="CmsEndpoint">host:port the guests reach the CMS at.</param>
/// <param name="Instances">One entry per clone, in order.</param>
public sealed record DeployClones(string DeploymentId, string CmsEndpoint, IReadOnlyList<ExpectedInstance> Instances);
