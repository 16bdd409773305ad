using Jumpstart.Shared.Metadata;

namespace Jumpstart.Shared.HostApi;

/// <summary>One clone to resume: its VM name and the metadata its disc carries.</summary>
public sealed record CloneInstanceRequest
{
    /// <summary>The VM's name on this host.</summary>
    public required string Name { get; init; }

    /// <summary>The disc's contents (instance-id, hostname, MAC, addresses, CMS endpoint and token, ...).
    /// hostd fills <see cref="CloneMetadata.HostTime"/> and <see cref="CloneMetadata.RandomSeed"/> when absent.</summary>
    public required CloneMetadata Metadata { get; init; }
}
