namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>Where a flow was captured: the VM (clone) whose tap saw it, its instance id and deployment.</summary>
public sealed record FlowTags(string? Vm, string? InstanceId, string? Deployment)
{
    public static FlowTags None { get; } = new(null, null, null);
}
