using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Shared.Metadata;

/// <summary>The JSON shape of <see cref="CloneMetadata"/> on discs and in descriptions: camelCase, enums as strings.</summary>
public static class MetadataJson
{
    /// <summary>Options for (de)serializing <see cref="CloneMetadata"/>. Unknown members are skipped so minor versions can add fields.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        RespectNullableAnnotations = true,
        MaxDepth = MetadataLimits.MaxYamlDepth,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Deserializes and checks the schema's major version.</summary>
    /// <exception cref="MetadataException">Malformed, missing required fields, or an unknown major version.</exception>
    public static CloneMetadata Deserialize(System.Text.Json.Nodes.JsonNode? document, string what)
    {
        if (document is not System.Text.Json.Nodes.JsonObject root)
        {
            throw new MetadataException($"{what} is not a JSON object");
        }

        if (root["schemaVersion"] is { } versionNode)
        {
            var version = versionNode.GetValueKind() == JsonValueKind.String ? versionNode.GetValue<string>() : versionNode.ToJsonString();
            CheckSchemaVersion(version, what);
        }

        try
        {
            return root.Deserialize<CloneMetadata>(Options) ?? throw new MetadataException($"{what} is empty");
        }
        catch (JsonException ex)
        {
            throw new MetadataException($"{what} is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Rejects a schema version whose major part this build does not know.</summary>
    public static void CheckSchemaVersion(string version, string what)
    {
        var majorText = version.Split('.')[0];
        if (!int.TryParse(majorText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major))
        {
            throw new MetadataException($"{what}: schemaVersion '{version}' is not a version number like {CloneMetadata.CurrentSchemaVersion}");
        }

        var supported = int.Parse(CloneMetadata.CurrentSchemaVersion.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        if (major != supported)
        {
            throw new MetadataException(
                $"{what}: metadata schema version {version} is not supported; this build reads major version {supported} ({CloneMetadata.CurrentSchemaVersion}). Update jumpstart-guestd or rebuild the disc.");
        }
    }
}
