using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>A stored deployment: its policy and role templates.</summary>
internal sealed record DeploymentRecord(
    string DeploymentId,
    PolicySpec Policy,
    IReadOnlyDictionary<string, RoleConfiguration> Roles,
    DateTimeOffset CreatedAt);
