namespace Jumpstart.Hostd.Cluster.State;

/// <summary>What <see cref="IClusterStore.RecordHeartbeatAsync"/> found.</summary>
public enum HeartbeatOutcome
{
    /// <summary>Recorded; the host was up already.</summary>
    Recorded,

    /// <summary>Recorded; the host was down and is up again.</summary>
    CameUp,

    /// <summary>No such host.</summary>
    Unknown,

    /// <summary>The host was removed; nothing recorded.</summary>
    Removed,
}
