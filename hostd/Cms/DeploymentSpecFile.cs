using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Cms;

/// <summary>Reads a deployment spec written by an operator as JSON (<c>.json</c>) or YAML (<c>.yaml</c>, <c>.yml</c>).</summary>
public static class DeploymentSpecFile
{
    /// <summary>Most bytes read from a spec file; a larger one is refused (100,000 instances fit comfortably).</summary>
    public const long MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Most values a YAML spec may build, aliases counted as the nodes they copy: 100,000 instances of four values
    /// each fit, an alias bomb does not.
    /// </summary>
    public const int MaxYamlNodes = 1_000_000;

    /// <summary>Deepest nesting of a spec, in YAML and JSON (a real spec is five levels deep).</summary>
    public const int MaxDepth = 32;

    // YAML scalars arrive as strings ("rank: 1"), so numbers may be read from strings.
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
        MaxDepth = MaxDepth,
    };

    /// <summary>Loads and parses <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">
    /// Not a regular file (a device, a FIFO, a directory), larger than <see cref="MaxFileBytes"/>, not JSON/YAML, or
    /// not a deployment spec.
    /// </exception>
    public static async Task<DeploymentSpec> LoadAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await BoundedFile.ReadAllTextAsync(path, MaxFileBytes, cancellationToken);
        }
        catch (FileNotFoundException ex)
        {
            throw new FileNotFoundException($"spec file '{path}' does not exist", path, ex);
        }
        catch (InputFileException ex)
        {
            throw new InvalidDataException($"not a deployment spec: {ex.Message}", ex);
        }

        var isYaml = Path.GetExtension(path).ToUpperInvariant() is ".YAML" or ".YML";
        return isYaml ? ParseYaml(text, path) : Parse(text, path);
    }

    /// <summary>Parses JSON text into a spec.</summary>
    /// <exception cref="InvalidDataException">Not a deployment spec.</exception>
    public static DeploymentSpec Parse(string json, string source)
        => Bind(() => JsonSerializer.Deserialize<DeploymentSpec>(json, s_options), source);

    /// <summary>Parses YAML text into a spec; depth and size are bounded while the YAML is read.</summary>
    /// <exception cref="InvalidDataException">Not YAML, too deep or too large, or not a deployment spec.</exception>
    public static DeploymentSpec ParseYaml(string yaml, string source)
    {
        JsonNode? document;
        try
        {
            // Plain scalars stay strings, as operators' specs have always been read ("rank: 1" reads from a string).
            document = YamlJson.Parse(yaml, source, MaxYamlNodes, MaxDepth, typedScalars: false);
        }
        catch (MetadataException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }

        return Bind(() => document.Deserialize<DeploymentSpec>(s_options), source);
    }

    private static DeploymentSpec Bind(Func<DeploymentSpec?> deserialize, string source)
    {
        try
        {
            return deserialize() ?? throw new InvalidDataException($"{source}: the spec is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not a deployment spec: {ex.Message}", ex);
        }
    }
}
