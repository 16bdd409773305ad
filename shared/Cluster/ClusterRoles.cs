namespace Jumpstart.Shared.Cluster;

/// <summary>A host's part in the cluster (<see cref="ClusterStatus.Role"/>, <see cref="ClusterHostInfo.Role"/>).</summary>
public static class ClusterRoles
{
    /// <summary>In no cluster.</summary>
    public const string None = "none";

    /// <summary>Runs the manager (and is a host like the others).</summary>
    public const string Manager = "manager";

    /// <summary>A host that joined.</summary>
    public const string Member = "member";
}
