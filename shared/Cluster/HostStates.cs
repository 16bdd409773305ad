namespace Jumpstart.Shared.Cluster;

/// <summary>What the manager thinks of a host (<see cref="ClusterHostInfo.State"/>).</summary>
public static class HostStates
{
    /// <summary>Its heartbeats arrive.</summary>
    public const string Up = "up";

    /// <summary>It missed <c>Cluster:MissedHeartbeats</c> heartbeats in a row, or has not sent one since it joined.</summary>
    public const string Down = "down";

    /// <summary>Removed by the operator; its certificate is revoked.</summary>
    public const string Removed = "removed";
}
