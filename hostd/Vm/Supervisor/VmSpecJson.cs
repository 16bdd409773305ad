using System.Text.Json;
using System.Text.Json.Serialization;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Reads VM specs from requests and files: camelCase JSON, unknown members refused (a typo must not silently drop a device).</summary>
public static class VmSpecJson
{
    /// <summary>Most bytes read from a spec file; a larger one is refused.</summary>
    public const int MaxBytes = 64 * 1024;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <exception cref="VmSpecException">Not a valid spec.</exception>
    public static VmSpec Parse(JsonElement element)
    {
        try
        {
            var spec = element.Deserialize<VmSpec>(Options) ?? throw new VmSpecException("the VM spec is null");
            VmSpecValidator.Validate(spec);
            return spec;
        }
        catch (JsonException ex)
        {
            throw new VmSpecException($"the VM spec is not valid JSON for a spec: {ex.Message}");
        }
    }

    /// <exception cref="VmSpecException">Missing, too large or invalid.</exception>
    public static VmSpec Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(BoundedFile.ReadAllBytes(path, MaxBytes));
            return Parse(document.RootElement);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new VmSpecException($"no VM spec file at {path}");
        }
        catch (InputFileException ex)
        {
            throw new VmSpecException($"not a VM spec file: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new VmSpecException($"{path} is not JSON: {ex.Message}");
        }
    }
}
