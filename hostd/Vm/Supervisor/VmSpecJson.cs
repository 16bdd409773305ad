using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Reads VM specs from requests and files: camelCase JSON, unknown members refused (a typo must not silently drop a device).</summary>
public static class VmSpecJson
{
    /// <summary>Largest spec file accepted.</summary>
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
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new VmSpecException($"no VM spec file at {path}");
        }

        if (info.Length > MaxBytes)
        {
            throw new VmSpecException($"{path} is larger than {MaxBytes} bytes");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new VmSpecException($"{path} is not JSON: {ex.Message}");
        }
    }
}
