using System.Text.Json;
using System.Text.RegularExpressions;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// The list of images hostd serves, kept in {Images:Directory}/catalog.json and rewritten atomically
/// (write, fsync, rename) on every change, so a crash leaves either the old or the new list.
/// Not thread-safe: <see cref="ImageService"/> serialises changes.
/// </summary>
public sealed partial class ImageCatalog
{
    public const string FileName = "catalog.json";

    /// <summary>Most bytes read from the catalog file at start.</summary>
    private const int MaxCatalogBytes = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly string _path;
    private readonly SortedDictionary<string, ImageEntry> _entries = new(StringComparer.Ordinal);

    private ImageCatalog(string path)
    {
        _path = path;
    }

    public IReadOnlyCollection<ImageEntry> Entries => _entries.Values;

    /// <summary>Reads the catalog in <paramref name="directory"/> (empty if there is none yet).</summary>
    /// <exception cref="InvalidDataException">The file is not a catalog.</exception>
    public static ImageCatalog Load(string directory)
    {
        var catalog = new ImageCatalog(Path.Combine(directory, FileName));
        if (!System.IO.File.Exists(catalog._path))
        {
            return catalog;
        }

        ImageEntry[]? entries;
        try
        {
            entries = JsonSerializer.Deserialize<ImageEntry[]>(BoundedFile.ReadAllBytes(catalog._path, MaxCatalogBytes), s_json);
        }
        catch (InputFileException ex)
        {
            throw new InvalidDataException($"not an image catalog: {ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{catalog._path} is not an image catalog: {ex.Message}", ex);
        }

        foreach (var entry in entries ?? [])
        {
            ValidateName(entry.Name);
            catalog._entries[entry.Name] = entry;
        }

        return catalog;
    }

    public bool TryGet(string name, out ImageEntry entry) => _entries.TryGetValue(name, out entry!);

    /// <summary>Adds or replaces an entry and saves.</summary>
    public void Put(ImageEntry entry)
    {
        ValidateName(entry.Name);
        _entries[entry.Name] = entry;
        Save();
    }

    /// <summary>Removes an entry and saves; false if there was none.</summary>
    public bool Remove(string name)
    {
        if (!_entries.Remove(name))
        {
            return false;
        }

        Save();
        return true;
    }

    /// <summary>Image names are export names and file names: 1-64 of [A-Za-z0-9._-], not starting with '.' or '-'.</summary>
    /// <exception cref="ArgumentException">The name is not valid.</exception>
    public static void ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw ImageException.BadRequest($"image name '{name}' is not valid: use 1-64 letters, digits, '.', '_' or '-', not starting with '.' or '-'");
        }
    }

    private void Save() => AtomicFile.WriteAllText(_path, JsonSerializer.Serialize(_entries.Values.ToArray(), s_json), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
