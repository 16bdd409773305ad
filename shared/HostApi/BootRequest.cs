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

    public required IReadOnlyList<CloneInstanceRequest> Clones { get; init; }

    public int? Concurrency { get; init; }

    public bool Network { get; init; } = true;
}
