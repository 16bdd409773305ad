using System.Text.Json;
using System.Text.Json.Serialization;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.IO;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Jumpstart.Hostd.Cms;

/// <summary>Reads a deployment spec written by an operator as JSON (<c>.json</c>) or YAML (<c>.yaml</c>, <c>.yml</c>).</summary>
public static class DeploymentSpecFile
{
    /// <summary>Most bytes read from a spec file; a larger one is refused (100,000 instances fit comfortably).</summary>
    public const long MaxFileBytes = 16 * 1024 * 1024;

    // YAML scalars arrive as strings ("rank: 1"), so numbers may be read from strings.
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
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
        return Parse(isYaml ? YamlToJson(text, path) : text, path);
    }

    /// <summary>Parses JSON text into a spec.</summary>
    /// <exception cref="InvalidDataException">Not a deployment spec.</exception>
    public static DeploymentSpec Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<DeploymentSpec>(json, s_options)
                ?? throw new InvalidDataException($"{source}: the spec is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not a deployment spec: {ex.Message}", ex);
        }
    }

    private static string YamlToJson(string yaml, string source)
    {
        try
        {
            var document = new DeserializerBuilder().Build().Deserialize<object?>(yaml);
            return new SerializerBuilder().JsonCompatible().Build().Serialize(document);
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{source}: invalid YAML at line {ex.Start.Line}: {ex.Message}", ex);
        }
    }
}
