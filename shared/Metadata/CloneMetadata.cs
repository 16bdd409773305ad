using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Everything a clone learns about itself from its metadata disc. The same model is filled from a
/// Jumpstart disc, a cloud-init NoCloud disc or an OpenStack ConfigDrive.
/// </summary>
public sealed record CloneMetadata
{
    /// <summary>The schema version this build writes; a disc whose major version differs is rejected.</summary>
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Unique per clone; guestd reconfigures when it sees one it has not applied.</summary>
    public required string InstanceId { get; init; }

    public string? DeploymentId { get; init; }

    public required string Hostname { get; init; }

    public IReadOnlyList<InterfaceConfig> Interfaces { get; init; } = [];

    /// <summary>Where to register, and this instance's bearer token. Null: no CMS (standalone clone).</summary>
    public CmsEndpoint? Cms { get; init; }

    /// <summary>The host's wall clock when the disc was made, so a resumed clone can step its clock.</summary>
    public DateTimeOffset? HostTime { get; init; }

    /// <summary>Base64 random bytes to reseed the guest's RNG with (never reuse the template's entropy).</summary>
    public string? RandomSeed { get; init; }

    /// <summary>The user's <c>self</c> script: run once per instance after the identity is applied.</summary>
    public string? SelfScript { get; init; }

    /// <summary>Free-form user data (JSON), passed through untouched.</summary>
    public JsonElement? UserData { get; init; }

    /// <summary>
    /// A template's warm-up disc (a minor schema addition; absent means false): guestd runs the code
    /// paths a clone runs, so they are compiled before the template is suspended, without changing the
    /// identity or calling the CMS.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Warmup { get; init; }

    /// <summary>
    /// On a warm-up disc only (a minor schema addition; absent means false): once warmed up, guestd zeroes the
    /// guest's free memory, so a migration stream sends those pages as zero-page markers instead of their old
    /// contents. hostd asks for it when it suspends the template into a stream (not for mapped RAM, where the
    /// zeroing would only allocate the RAM file's holes).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ZeroFreeMemory { get; init; }

    /// <summary>Which disc format this came from.</summary>
    public MetadataSource Source { get; init; } = MetadataSource.Jumpstart;
}
