namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>Names of the policy kinds and their options, as they appear in a deployment spec.</summary>
internal static class PolicyKinds
{
    public const string MasterWorkers = "master-workers";
    public const string AllSame = "all-same";
    public const string External = "external";

    public const string FirstArrival = "first-arrival";
    public const string LowestRank = "lowest-rank";

    public const string MasterRole = "master";
    public const string WorkerRole = "worker";
    public const string DefaultAllSameRole = "member";
}
