using Jumpstart.Shared.IO;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Loads a clone description for <c>jumpstart iso build</c>: the <see cref="CloneMetadata"/> JSON shape
/// (camelCase), written as JSON or YAML. <c>schemaVersion</c> may be left out (the current one is assumed).
/// </summary>
public static class MetadataDescription
{
    /// <summary>
    /// Reads and validates a description file; YAML for <c>.yaml</c>/<c>.yml</c>, JSON otherwise. Only a regular file
    /// of at most <see cref="MetadataLimits.MaxFileBytes"/> is read.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MetadataException">The description is malformed or invalid.</exception>
    public static CloneMetadata Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, MetadataLimits.MaxFileBytes);
        }
        catch (FileNotFoundException ex)
        {
            throw new FileNotFoundException($"description '{path}' does not exist", path, ex);
        }
        catch (InputFileException ex)
        {
            throw new MetadataException($"not a description: {ex.Message}", ex);
        }

        var yaml = Path.GetExtension(path).ToUpperInvariant() is ".YAML" or ".YML";
        return Parse(text, yaml, $"description '{path}'");
    }

    /// <summary>Parses and validates a description held in memory.</summary>
    /// <exception cref="MetadataException">The description is malformed or invalid.</exception>
    public static CloneMetadata Parse(string text, bool yaml, string what = "description")
    {
        ArgumentNullException.ThrowIfNull(text);
        var document = yaml ? YamlJson.Parse(text, what) : MetadataJson.Parse(System.Text.Encoding.UTF8.GetBytes(text), what, lenient: true);
        var metadata = MetadataJson.Deserialize(document, what);
        MetadataValidator.Validate(metadata, what);
        return metadata;
    }
}
