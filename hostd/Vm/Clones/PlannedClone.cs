using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>One clone of a plan: its VM name, its disc's metadata and, with a CMS, its waiting-list entry.</summary>
public sealed record PlannedClone(string Name, CloneMetadata Metadata, ExpectedInstance? Instance);
