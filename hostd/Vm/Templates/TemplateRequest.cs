using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;


namespace Jumpstart.Hostd.Vm.Templates;

/// <summary>What <see cref="TemplateBuilder"/> boots and suspends into a bundle.</summary>
public sealed record TemplateRequest
{
    /// <summary>The bundle's name (also names the template VM while it runs).</summary>
    public required string Name { get; init; }

    public required VmSpec Spec { get; init; }

    /// <summary>Base image per disk id; the template writes into a qcow2 delta over it.</summary>
    public IReadOnlyDictionary<string, TemplateBaseImage> BaseImages { get; init; } = new Dictionary<string, TemplateBaseImage>();

    public MemoryFormat MemoryFormat { get; init; } = MemoryFormat.Stream;

    /// <summary>zstd-compress the stream (stream format only).</summary>
    public bool Compress { get; init; }

    /// <summary>Serial-console text that says the guest is up (e.g. guestd's ready line); null suspends right after start.</summary>
    public string? ReadyMarker { get; init; }

    /// <summary>A warm-up metadata disc to insert once ready, so the code paths clones run are already in memory.</summary>
    public string? WarmupDisc { get; init; }

    /// <summary>Without <see cref="WarmupDisc"/>: hostd makes a warm-up disc (see <see cref="WarmupDisc"/>) and waits for guestd's "Instance ... applied".</summary>
    public bool WarmUp { get; init; }

    /// <summary>Serial-console text that says the guest finished with the warm-up disc.</summary>
    public string? WarmupDoneMarker { get; init; }

    /// <summary>Bound on boot and on warm-up, each.</summary>
    public TimeSpan GuestTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
