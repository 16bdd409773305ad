using System.Text.Json;

namespace Jumpstart.Shared.HostApi;

/// <summary><c>vm.boot</c>: cold-boot VMs from a spec with their metadata disc inserted (the baseline clones are compared with).</summary>
public sealed record BootRequest
{
    /// <summary>The VM spec inline; or give <see cref="SpecFile"/>.</summary>
    public JsonElement? Spec { get; init; }

    /// <summary>A VM spec JSON file on the host.</summary>
    public string? SpecFile { get; init; }

    /// <summary>Base image path per disk id (each VM gets a qcow2 overlay).</summary>
    public IReadOnlyDictionary<string, string> BaseImages { get; init; } = new Dictionary<string, string>();

    /// <summary>The format of a base image per disk id (<c>raw</c> or <c>qcow2</c>; absent: raw), as for <c>template.create</c>.</summary>
    public IReadOnlyDictionary<string, string> BaseFormats { get; init; } = new Dictionary<string, string>();

    /// <summary>What the VMs should look like; hostd plans each one (as for <c>clone.create</c>). Give this or <see cref="Clones"/>.</summary>
    public ClonePlanRequest? Plan { get; init; }

    /// <summary>Each VM's name and metadata, written by the caller.</summary>
    public IReadOnlyList<CloneInstanceRequest>? Clones { get; init; }

    public int? Concurrency { get; init; }

    public bool Network { get; init; } = true;
}
