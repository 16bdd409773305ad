namespace Jumpstart.Hostd.Cluster.State;

/// <summary>What <see cref="IClusterStore.AdmitHostAsync"/> decided. Only <see cref="Admitted"/> changed anything.</summary>
public enum AdmitVerdict
{
    /// <summary>The token was counted and the host added.</summary>
    Admitted,

    /// <summary>No token has this id, or its digest differs (a forged token).</summary>
    UnknownToken,

    /// <summary>The token's lifetime is over.</summary>
    Expired,

    /// <summary>The token admitted as many hosts as it may.</summary>
    UsedUp,

    /// <summary>A host of that name is a member (not removed).</summary>
    NameTaken,

    /// <summary>The store holds <see cref="ClusterLimits.MaxHosts"/> hosts.</summary>
    Full,
}
