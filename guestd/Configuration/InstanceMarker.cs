using System.Text.Json;
using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// The instance-id guestd last applied completely, kept in the state directory. The same id again is
/// a no-op; a new one is a full reconfiguration. Also remembers which link each interface entry
/// ended up on, to find it again once the template's MAC is gone.
/// </summary>
public sealed record InstanceMarker
{
    public const string FileName = "instance.json";

    /// <summary>A marker is a few hundred bytes; a larger file is not ours.</summary>
    private const long MaxFileBytes = 64 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public required string InstanceId { get; init; }

    public string? Role { get; init; }

    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>Interface match key (template MAC or name) to the kernel link name it was applied to.</summary>
    public IReadOnlyDictionary<string, string> Links { get; init; } = new Dictionary<string, string>();

    /// <summary>The marker in <paramref name="stateDirectory"/>, or null when there is none or it is unreadable (then everything is re-applied, which is safe).</summary>
    public static InstanceMarker? Read(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var marker = JsonSerializer.Deserialize<InstanceMarker>(BoundedFile.ReadAllBytes(path, MaxFileBytes), s_json);
            return string.IsNullOrEmpty(marker?.InstanceId) ? null : marker;
        }
        catch (Exception ex) when (ex is JsonException or IOException or InputFileException)
        {
            return null;
        }
    }

    /// <summary>Writes the marker atomically; only called once every step succeeded.</summary>
    public void Write(string stateDirectory)
        => AtomicFile.WriteAllBytes(Path.Combine(stateDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, s_json));
}
