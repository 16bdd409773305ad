namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>What differs between instances of one <see cref="VmSpec"/>: names, files, identity, network backend.</summary>
public sealed record VmLaunch
{
    /// <summary>The VM's name (QEMU <c>-name</c>, directory names); see <see cref="VmNames"/>.</summary>
    public required string Name { get; init; }

    public required VmSpec Spec { get; init; }

    public Accelerator Accelerator { get; init; } = Accelerator.Tcg;

    /// <summary>Image file per disk id (each a qcow2).</summary>
    public IReadOnlyDictionary<string, string> DiskFiles { get; init; } = new Dictionary<string, string>();

    public VmMemory Memory { get; init; } = VmMemory.Anonymous;

    /// <summary>The vmgenid GUID; a new one per clone.</summary>
    public Guid VmGenIdGuid { get; init; } = Guid.NewGuid();

    /// <summary>A tap interface for the NIC (created by hostd), or null for an isolated user-mode backend.</summary>
    public string? TapInterface { get; init; }

    /// <summary>Start paused with <c>-incoming defer</c>, waiting for <c>migrate-incoming</c>.</summary>
    public bool Incoming { get; init; }

    /// <summary>Why this VM exists: <c>template</c> or <c>clone</c>, shown by <c>vm list</c>.</summary>
    public string Role { get; init; } = VmRoles.Clone;

    /// <summary>The bundle a clone resumed from, or the bundle a template is being made into.</summary>
    public string? Bundle { get; init; }
}
