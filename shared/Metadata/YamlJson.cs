using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Turns a YAML document (cloud-init meta-data, network-config, descriptions) into a JSON node so
/// every format is read by the same code. Plain scalars become booleans, nulls or integers when they
/// look like one (YAML 1.2 core schema); everything else stays a string.
/// </summary>
internal static partial class YamlJson
{
    /// <exception cref="MetadataException">Not YAML, too deep, or too many nodes (alias bombs).</exception>
    public static JsonNode? Parse(string text, string what)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new MetadataException($"{what} is not valid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        var budget = MetadataLimits.MaxYamlNodes;
        return Convert(stream.Documents[0].RootNode, 0, ref budget, what);
    }

    private static JsonNode? Convert(YamlNode node, int depth, ref int budget, string what)
    {
        if (--budget < 0 || depth > MetadataLimits.MaxYamlDepth)
        {
            throw new MetadataException($"{what} is too large or too deeply nested (at most {MetadataLimits.MaxYamlNodes} nodes, {MetadataLimits.MaxYamlDepth} levels)");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode { Value: { } k } ? k : throw new MetadataException($"{what} has a mapping key that is not a plain string");
                    obj[name] = Convert(value, depth + 1, ref budget, what);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, depth + 1, ref budget, what));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new MetadataException($"{what} holds an unsupported YAML node");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(value[0] is 't' or 'T');
        }

        return Integer().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);
    }

    [GeneratedRegex("^-?(0|[1-9][0-9]{0,17})$")]
    private static partial Regex Integer();
}
