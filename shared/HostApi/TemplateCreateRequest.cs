using System.Text.Json;

namespace Jumpstart.Shared.HostApi;

/// <summary><c>template.create</c>: boot a template from a VM spec and suspend it into a bundle.</summary>
public sealed record TemplateCreateRequest
{
    /// <summary>The bundle's name (lowercase letters, digits, '-').</summary>
    public required string Name { get; init; }

    /// <summary>The VM spec (hostd's VmSpec as JSON); or give <see cref="SpecFile"/>.</summary>
    public JsonElement? Spec { get; init; }

    /// <summary>A VM spec JSON file on the host.</summary>
    public string? SpecFile { get; init; }

    /// <summary>Base image path per disk id.</summary>
    public IReadOnlyDictionary<string, string> BaseImages { get; init; } = new Dictionary<string, string>();

    /// <summary>Base image format per disk id (raw when absent).</summary>
    public IReadOnlyDictionary<string, string> BaseFormats { get; init; } = new Dictionary<string, string>();

    /// <summary><c>stream</c> or <c>mapped</c>.</summary>
    public string MemoryFormat { get; init; } = "stream";

    public bool Compress { get; init; }

    public string? ReadyMarker { get; init; }

    public string? WarmupDisc { get; init; }

    public string? WarmupDoneMarker { get; init; }

    /// <summary>Without <see cref="WarmupDisc"/>: let hostd make the warm-up disc and wait for guestd to apply it.</summary>
    public bool WarmUp { get; init; }

    public int GuestTimeoutSeconds { get; init; } = 180;
}
