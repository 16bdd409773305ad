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
        AllowDuplicateProperties = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// Parses a JSON metadata file or description into a node. Depth is bounded while reading, and a repeated
    /// property name is an error at parse time (RFC 8259 §4 leaves duplicates undefined; a lazily built
    /// <see cref="System.Text.Json.Nodes.JsonObject"/> would otherwise throw on first use, deep in a reader).
    /// </summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="what">What the file is, for messages.</param>
    /// <param name="lenient">Allow comments and trailing commas (descriptions written by people; never a disc).</param>
    /// <exception cref="MetadataException">Not JSON, too deep, or a property name twice in one object.</exception>
    public static System.Text.Json.Nodes.JsonNode? Parse(ReadOnlySpan<byte> utf8, string what, bool lenient = false)
    {
        try
        {
            RejectLoneSurrogates(utf8, lenient);
            return System.Text.Json.Nodes.JsonNode.Parse(utf8, documentOptions: DocumentOptions(lenient));
        }
        catch (JsonException ex)
        {
            throw new MetadataException($"{what} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Refuses a string or property name that escapes half a UTF-16 surrogate pair ("\uD800" alone). RFC 8259 §8.2 lets
    /// the grammar through, and System.Text.Json parses it, but it throws InvalidOperationException later, when the
    /// string is first read: deep in a disc reader or while printing the metadata.
    /// </summary>
    /// <exception cref="JsonException">Not JSON, too deep, or a lone surrogate.</exception>
    internal static void RejectLoneSurrogates(ReadOnlySpan<byte> utf8, bool lenient)
    {
        var options = DocumentOptions(lenient);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            MaxDepth = options.MaxDepth,
            CommentHandling = options.CommentHandling,
            AllowTrailingCommas = options.AllowTrailingCommas,
        });
        while (reader.Read())
        {
            if (reader is { TokenType: JsonTokenType.String or JsonTokenType.PropertyName, ValueIsEscaped: true })
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException ex)
                {
                    throw new JsonException($"the string at byte {reader.TokenStartIndex} escapes half of a UTF-16 surrogate pair", ex);
                }
            }
        }
    }

    /// <summary>How every metadata JSON document is read: bounded depth, no duplicate property names.</summary>
    internal static JsonDocumentOptions DocumentOptions(bool lenient = false) => new()
    {
        MaxDepth = MetadataLimits.MaxYamlDepth,
        AllowDuplicateProperties = false,
        CommentHandling = lenient ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
        AllowTrailingCommas = lenient,
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
