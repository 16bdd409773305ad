using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// When each stage of one clone's deployment ended. hostd's clone operation gives the first three
/// (its clock); the CMS gives the last two (the same host's clock when hostd runs the CMS).
/// </summary>
public sealed record CloneTimeline
{
    public required string InstanceId { get; init; }

    /// <summary>When the clone request reached hostd.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Bundle verified and the clone's disks ready (the paper's "state distribution").</summary>
    public required DateTimeOffset DisksReadyAt { get; init; }

    /// <summary>QEMU started and its QMP socket answered.</summary>
    public DateTimeOffset? SpawnedAt { get; init; }

    /// <summary>The clone's metadata disc is in its CDROM (after the memory state loaded).</summary>
    public DateTimeOffset? DiscInsertedAt { get; init; }

    /// <summary>Memory state loaded, metadata disc inserted and <c>cont</c> done: the clone runs.</summary>
    public required DateTimeOffset RunningAt { get; init; }

    /// <summary>The guest applied its identity and registered with the CMS.</summary>
    public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>The guest applied its role and reported ready.</summary>
    public DateTimeOffset? ReadyAt { get; init; }

    /// <summary>The vmgenid GUID hostd gave this VM.</summary>
    public string? VmGenId { get; init; }

    /// <summary>
    /// A cluster deployment only: when the manager asked this clone's host to resume it, which is after the bundle
    /// reached that host (the paper's state distribution), the base image was prepared and the CMS took the waiting list.
    /// </summary>
    public DateTimeOffset? DispatchedAt { get; init; }

    /// <summary>The timeline of <paramref name="clone"/> as its host reported it, from <paramref name="requestedAt"/>.</summary>
    public static CloneTimeline From(DateTimeOffset requestedAt, CloneResult clone)
    {
        ArgumentNullException.ThrowIfNull(clone);
        DateTimeOffset? At(string stage) => clone.Stages.LastOrDefault(s => s.Stage == stage)?.At;
        var last = clone.Stages.Count > 0 ? clone.Stages[^1].At : requestedAt;
        return new CloneTimeline
        {
            InstanceId = clone.Name,
            RequestedAt = requestedAt,
            DisksReadyAt = At(CloneStage.Disks) ?? requestedAt,
            SpawnedAt = At(CloneStage.Spawn),
            DiscInsertedAt = At(CloneStage.DiscInserted),
            RunningAt = At(CloneStage.Running) ?? last,
            VmGenId = clone.VmGenId,
        };
    }

    /// <summary>This timeline with the CMS's registration and ready times of <paramref name="peer"/>.</summary>
    public CloneTimeline WithCms(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return this with { RegisteredAt = peer.RegisteredAt, ReadyAt = peer.Phase == InstancePhase.Ready ? peer.UpdatedAt : null };
    }
}
