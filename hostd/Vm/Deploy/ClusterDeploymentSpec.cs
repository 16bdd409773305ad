using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// The CMS deployment hostd creates for a clone plan with a policy (<c>jumpstart deploy</c>, <c>jumpstart
/// clone --policy</c>): one waiting-list entry per clone with the token <see cref="ClonePlanner"/> made, the chosen policy, and role templates that leave each role's facts in
/// /etc/jumpstart/role.env inside the guest (workers also get the master's address there).
/// </summary>
public static class ClusterDeploymentSpec
{
    /// <summary>Where the role templates write inside the guest.</summary>
    public const string RoleFilePath = "/etc/jumpstart/role.env";

    /// <summary>Builds the spec for <paramref name="instances"/> (id and token each) under <paramref name="policy"/>.</summary>
    public static DeploymentSpec Create(string deploymentId, PolicySpec policy, IReadOnlyList<ExpectedInstance> instances) => new()
    {
        DeploymentId = deploymentId,
        Policy = policy,
        Instances = instances,
        Roles = new Dictionary<string, RoleConfiguration>
        {
            ["master"] = RoleFile("ROLE=master\n"),
            ["worker"] = RoleFile("ROLE=worker\nMASTER_ADDRESS=${MASTER_ADDRESS}\n") with
            {
                // A worker reports ready only once it reached its master: proof it was told the right address.
                Commands = [["ping", "-c", "1", "-W", "5", "${MASTER_ADDRESS}"]],
            },
            ["member"] = RoleFile("ROLE=member\n"),
        },
    };

    /// <summary>The policy named on the command line: <c>master-workers</c> or <c>all-same</c>.</summary>
    /// <exception cref="ClonePlanException">Another name.</exception>
    public static PolicySpec Policy(string kind) => kind switch
    {
        "master-workers" => new PolicySpec { Kind = kind, MasterSelection = "lowest-rank" },
        "all-same" => new PolicySpec { Kind = kind },
        _ => throw new ClonePlanException($"unknown policy '{kind}' (master-workers or all-same)"),
    };

    private static RoleConfiguration RoleFile(string content) => new()
    {
        Files = [new RoleFile { Path = RoleFilePath, Mode = "0644", Content = content }],
    };
}
