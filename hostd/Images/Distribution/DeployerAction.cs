namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>What one <see cref="BackgroundDeployer"/> step did.</summary>
public enum DeployerAction
{
    /// <summary>No statistics (the export is not served).</summary>
    NoStatistics,

    /// <summary>Latency at or under the target; any episode ends.</summary>
    Healthy,

    /// <summary>Over the threshold (or, in an episode, over the target) but not for enough intervals yet; or load too low to act on.</summary>
    Watching,

    /// <summary>Waiting after a switch for the statistics to reflect it.</summary>
    CoolingDown,

    /// <summary>Added a replica and moved hosts to it.</summary>
    AddedReplica,

    /// <summary>Would add a replica, but the maximum is reached.</summary>
    AtMaxReplicas,

    /// <summary>Would add a replica, but no host reads from the real server.</summary>
    NothingToMove,
}
