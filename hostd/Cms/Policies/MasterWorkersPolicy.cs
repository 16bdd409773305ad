using System.Globalization;

namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>
/// One <c>master</c>, everyone else <c>worker</c>. With <c>first-arrival</c> the first instance to
/// register is the master. With <c>lowest-rank</c> the waiting list's lowest rank (ties: lowest
/// instance-id, ordinal) is the master, so every role is known at registration even before the master
/// has registered — the CMS then answers a worker "pending" and completes its assignment (the
/// master's address) through <c>cms.wait</c>.
/// Workers get <c>WORKER_INDEX</c>: 0 for the first worker to register, 1 for the next, ...
/// </summary>
internal sealed class MasterWorkersPolicy(bool lowestRank) : IRolePolicy
{
    public const string WorkerIndexVariable = "WORKER_INDEX";

    public Task<PolicyDecision> DecideAsync(PolicyInput input, CancellationToken cancellationToken)
    {
        var isMaster = lowestRank
            ? IsLowestRank(input)
            : !input.Instances.Any(i => i.Role == PolicyKinds.MasterRole);
        if (isMaster)
        {
            return Task.FromResult(PolicyDecision.Of(PolicyKinds.MasterRole));
        }

        var index = input.Instances.Count(i => i.Role == PolicyKinds.WorkerRole);
        var variables = new Dictionary<string, string> { [WorkerIndexVariable] = index.ToString(CultureInfo.InvariantCulture) };
        return Task.FromResult(new PolicyDecision(PolicyKinds.WorkerRole, variables));
    }

    private static bool IsLowestRank(PolicyInput input)
    {
        // Creation guarantees every waiting-list entry has a rank under lowest-rank.
        var master = input.Instances
            .OrderBy(i => i.Rank ?? int.MaxValue)
            .ThenBy(i => i.InstanceId, StringComparer.Ordinal)
            .First();
        return master.InstanceId == input.Instance.InstanceId;
    }
}
