using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Deploy;

/// <summary>One clone of a <see cref="ClonePlan"/>: its VM name, its disc's metadata and its CMS waiting-list entry.</summary>
public sealed record PlannedClone(string Name, CloneMetadata Metadata, ExpectedInstance Instance);
