using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jumpstart.Shared.Metadata;

/// <summary>Typed, forgiving reads of loosely typed cloud-init and OpenStack documents, with clear errors.</summary>
internal static class JsonFields
{
    /// <summary>
    /// The member <paramref name="name"/> of <paramref name="parent"/>, null when either is absent. A parent that is a
    /// list or a scalar where a mapping belongs is the document's error, never <see cref="JsonNode"/>'s
    /// InvalidOperationException.
    /// </summary>
    public static JsonNode? Member(JsonNode? parent, string name, string what) => parent switch
    {
        null => null,
        JsonObject obj => obj[name],
        JsonArray => throw new MetadataException($"{what}: a list is where a mapping with '{name}' belongs"),
        _ => throw new MetadataException($"{what}: a single value is where a mapping with '{name}' belongs"),
    };

    /// <summary>A string, or the text of a number or boolean (YAML often types an id as a number).</summary>
    public static string? String(JsonNode? parent, string name, string what)
    {
        var node = Member(parent, name, what);
        return node switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            JsonValue value when value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
            _ => throw new MetadataException($"{what}: '{name}' must be a string"),
        };
    }

    public static int? Int(JsonNode? parent, string name, string what)
    {
        var text = String(parent, name, what);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new MetadataException($"{what}: '{name}' must be a whole number, not '{text}'");
    }

    public static bool Bool(JsonNode? parent, string name, string what)
    {
        var text = String(parent, name, what);
        return text switch
        {
            null => false,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new MetadataException($"{what}: '{name}' must be true or false, not '{text}'"),
        };
    }

    public static JsonObject? Object(JsonNode? parent, string name, string what) => Member(parent, name, what) switch
    {
        null => null,
        JsonObject obj => obj,
        _ => throw new MetadataException($"{what}: '{name}' must be a mapping"),
    };

    public static IEnumerable<JsonNode?> Array(JsonNode? parent, string name, string what) => Member(parent, name, what) switch
    {
        null => [],
        JsonArray array => array,
        _ => throw new MetadataException($"{what}: '{name}' must be a list"),
    };

    /// <summary>A list of strings, also accepting a single string (cloud-init allows both).</summary>
    public static List<string> Strings(JsonNode? parent, string name, string what)
    {
        if (Member(parent, name, what) is JsonValue)
        {
            return [String(parent, name, what)!];
        }

        var result = new List<string>();
        foreach (var item in Array(parent, name, what))
        {
            result.Add(item is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw new MetadataException($"{what}: '{name}' must be a list of strings"));
        }

        return result;
    }
}
