using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>How parameters and results look on the wire: System.Text.Json, camelCase (web defaults), the wire
/// contracts' source-generated metadata first, reflection for anything else (tests' and benches' own types).</summary>
public static class JsonRpcWire
{
    /// <summary>The serializer options every connection uses for user data.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateOptions();

    /// <summary>A new formatter (formatters keep per-connection state, so each connection gets its own).</summary>
    public static SystemTextJsonFormatter CreateFormatter() => new() { JsonSerializerOptions = SerializerOptions };

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(HostApiJsonContext.Default, CmsJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        };
        options.MakeReadOnly();
        return options;
    }
}
