using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>JSON settings of manifest.json and spec.json.</summary>
internal static class BundleJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
