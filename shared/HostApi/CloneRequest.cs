using System.Text.Json;

namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>clone.create</c>: resume clones of one bundle. Give <see cref="Plan"/> (hostd plans names, MACs,
/// instance-ids, addresses and CMS tokens) or, for hand-made identities, <see cref="Clones"/>; not both.
/// </summary>
public sealed record CloneRequest
{
    /// <summary>Upper bound on clones per request.</summary>
    public const int MaxClones = 256;

    /// <summary>A bundle name on this host, or the absolute path of a bundle directory.</summary>
    public required string Bundle { get; init; }

    /// <summary>What the clones should look like; hostd plans each one.</summary>
    public ClonePlanRequest? Plan { get; init; }

    /// <summary>Each clone's name and metadata, written by the caller (<c>jumpstart clone --instances</c>).</summary>
    public IReadOnlyList<CloneInstanceRequest>? Clones { get; init; }

    /// <summary>How many clones resume at once; null uses the host's configuration.</summary>
    public int? Concurrency { get; init; }

    /// <summary>The device set the caller expects (a VM spec); checked against the bundle's. Null: the bundle's own.</summary>
    public JsonElement? Spec { get; init; }

    /// <summary>Give each clone a tap on the host's bridge (hostd's <c>Vm:Bridge</c>). False: an isolated NIC backend.</summary>
    public bool Network { get; init; } = true;
}
