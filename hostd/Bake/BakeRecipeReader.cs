using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Reads and checks a recipe file (YAML, jumpstart-image-recipe(5)) before a bake starts: every key known, every
/// size and count bounded, every file a regular file inside the recipe's folder (symbolic links resolved), every
/// destination an absolute normalized path. Package names are checked against the archive separately
/// (<see cref="PackageCatalog"/>).
/// </summary>
public static partial class BakeRecipeReader
{
    private static readonly string[] s_keys = ["size", "packages", "files", "commands"];
    private static readonly string[] s_fileKeys = ["source", "destination", "mode"];

    // Paths the image gets at run time from the kernel or tmpfs: a file written there at bake time is hidden or lost.
    private static readonly string[] s_runtimeTrees = ["/proc", "/sys", "/dev", "/run", "/tmp"];

    /// <summary>Reads <paramref name="path"/> into a checked recipe.</summary>
    /// <exception cref="BakeException">The recipe or a file it names is missing (66) or wrong (65).</exception>
    public static async Task<BakeRecipe> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw BakeException.NoInput($"no recipe file {full}");
        }

        string text;
        try
        {
            text = await BoundedFile.ReadAllTextAsync(full, BakeLimits.MaxRecipeBytes, cancellationToken);
        }
        catch (InputFileException ex)
        {
            throw BakeException.BadRecipe(full, ex.Message);
        }

        return Parse(text, full);
    }

    /// <summary>Checks recipe text whose file is <paramref name="recipePath"/> (files are relative to its folder).</summary>
    public static BakeRecipe Parse(string text, string recipePath)
    {
        JsonNode? root;
        try
        {
            root = YamlJson.Parse(text, $"recipe {recipePath}", typedScalars: false);
        }
        catch (MetadataException ex)
        {
            throw BakeException.BadRecipe(recipePath, ex.Message);
        }

        if (root is not JsonObject map)
        {
            throw BakeException.BadRecipe(recipePath, "is not a mapping of size, packages, files and commands");
        }

        CheckKeys(map, s_keys, recipePath, "the recipe");
        var folder = RealPath(Path.GetDirectoryName(recipePath)!);
        return new BakeRecipe
        {
            Name = Path.GetFileNameWithoutExtension(recipePath),
            Path = recipePath,
            SizeBytes = ReadSize(map["size"], recipePath),
            Packages = ReadPackages(map["packages"], recipePath),
            Files = ReadFiles(map["files"], folder, recipePath),
            Commands = ReadCommands(map["commands"], recipePath),
        };
    }

    private static void CheckKeys(JsonObject map, string[] known, string recipe, string where)
    {
        foreach (var (key, _) in map)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                throw BakeException.BadRecipe(recipe, $"{where} has an unknown key '{key}' (known: {string.Join(", ", known)})");
            }
        }
    }

    private static long ReadSize(JsonNode? node, string recipe)
    {
        if (node is null)
        {
            return BakeLimits.DefaultSizeBytes;
        }

        long size;
        try
        {
            size = Quantities.ParseBytes(Scalar(node, recipe, "size"));
        }
        catch (FormatException ex)
        {
            throw BakeException.BadRecipe(recipe, $"size: {ex.Message}");
        }

        return size switch
        {
            < BakeLimits.MinSizeBytes => throw BakeException.BadRecipe(
                recipe, $"size {Quantities.FormatBytes(size)} is too small: the base system alone needs {Quantities.FormatBytes(BakeLimits.MinSizeBytes)}"),
            > BakeLimits.MaxSizeBytes => throw BakeException.BadRecipe(
                recipe, $"size {Quantities.FormatBytes(size)} is over the largest image baked ({Quantities.FormatBytes(BakeLimits.MaxSizeBytes)})"),
            _ => size,
        };
    }

    private static string[] ReadPackages(JsonNode? node, string recipe)
    {
        var list = List(node, recipe, "packages", BakeLimits.MaxPackages);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            var name = Scalar(item, recipe, "a package");
            if (!PackageName().IsMatch(name))
            {
                throw BakeException.BadRecipe(recipe, $"'{name}' is not a Debian package name (Debian Policy §5.6.1: a-z, 0-9, '+', '-', '.'; versions and patterns are not accepted)");
            }

            names.Add(name);
        }

        return [.. names];
    }

    private static BakeFile[] ReadFiles(JsonNode? node, string folder, string recipe)
    {
        var files = new List<BakeFile>();
        foreach (var item in List(node, recipe, "files", BakeLimits.MaxFiles))
        {
            if (item is not JsonObject entry)
            {
                throw BakeException.BadRecipe(recipe, "each entry of files is a mapping of source, destination and mode");
            }

            CheckKeys(entry, s_fileKeys, recipe, "a files entry");
            var source = Scalar(entry["source"], recipe, "a file's source");
            var destination = Scalar(entry["destination"], recipe, $"the destination of {source}");
            files.Add(new BakeFile(Source(folder, source, recipe), Destination(destination, recipe), Mode(entry["mode"], source, recipe)));
        }

        return [.. files];
    }

    private static string Source(string folder, string source, string recipe)
    {
        if (source.Contains('\0', StringComparison.Ordinal))
        {
            throw BakeException.BadRecipe(recipe, "a file's source holds a NUL character");
        }

        var lexical = Path.GetFullPath(Path.Combine(folder, source));
        if (!File.Exists(lexical) && !Directory.Exists(lexical))
        {
            throw BakeException.NoInput($"recipe {recipe}: the file {source} does not exist (looked for {lexical})");
        }

        var real = RealPath(lexical);
        if (!IsInside(real, folder))
        {
            throw BakeException.BadRecipe(recipe, $"the file {source} is outside the recipe's folder {folder} (it resolves to {real})");
        }

        var info = new FileInfo(real);
        if (Directory.Exists(real) || IsSpecial(real))
        {
            throw BakeException.BadRecipe(recipe, $"the file {source} is not a regular file");
        }

        if (info.Length > BakeLimits.MaxFileBytes)
        {
            throw BakeException.BadRecipe(recipe, $"the file {source} is {Quantities.FormatBytes(info.Length)}, over the {Quantities.FormatBytes(BakeLimits.MaxFileBytes)} a recipe file may be");
        }

        return real;
    }

    // FileInfo reports FIFOs, sockets and devices as files; the kernel's view decides.
    private static bool IsSpecial(string path)
    {
        try
        {
            using var handle = BoundedFile.OpenHandle(path, FileKinds.Regular);
            return false;
        }
        catch (InputFileException)
        {
            return true;
        }
    }

    private static string Destination(string destination, string recipe)
    {
        var segments = destination.Split('/');
        var bad = !destination.StartsWith('/')
            || destination.Length == 1
            || destination.Contains('\0', StringComparison.Ordinal)
            || segments.Skip(1).Any(s => s is "" or "." or "..");
        if (bad)
        {
            throw BakeException.BadRecipe(recipe, $"destination '{destination}' is not an absolute normalized file path (no '.', '..', '//' or trailing '/')");
        }

        if (s_runtimeTrees.Any(t => destination == t || destination.StartsWith(t + "/", StringComparison.Ordinal)))
        {
            throw BakeException.BadRecipe(recipe, $"destination '{destination}' is under {string.Join(", ", s_runtimeTrees)}, which the running system replaces");
        }

        return destination;
    }

    private static UnixFileMode Mode(JsonNode? node, string source, string recipe)
    {
        if (node is null)
        {
            return (UnixFileMode)Convert.ToInt32("644", 8);
        }

        var text = Scalar(node, recipe, $"the mode of {source}");
        if (text.Length is 0 or > 4 || !text.All(c => c is >= '0' and <= '7'))
        {
            throw BakeException.BadRecipe(recipe, $"the mode of {source} is '{text}', not octal permission bits such as \"0644\"");
        }

        return (UnixFileMode)Convert.ToInt32(text, 8);
    }

    private static string[][] ReadCommands(JsonNode? node, string recipe)
    {
        var commands = new List<string[]>();
        foreach (var item in List(node, recipe, "commands", BakeLimits.MaxCommands))
        {
            string[] argv = item switch
            {
                // A string is the user's shell text, run by the image's own /bin/sh (as cloud-init's runcmd does).
                JsonValue => ["/bin/sh", "-c", Scalar(item, recipe, "a command")],
                JsonArray array when array.Count is > 0 and <= BakeLimits.MaxArguments => [.. array.Select(a => Scalar(a, recipe, "a command's argument"))],
                _ => throw BakeException.BadRecipe(recipe, $"each command is a string (for /bin/sh -c) or a list of 1 to {BakeLimits.MaxArguments} arguments"),
            };
            if (argv.Any(a => a.Length > BakeLimits.MaxArgumentChars || a.Contains('\0', StringComparison.Ordinal)))
            {
                throw BakeException.BadRecipe(recipe, $"a command has an argument over {BakeLimits.MaxArgumentChars} characters or with a NUL character");
            }

            commands.Add(argv);
        }

        return [.. commands];
    }

    private static JsonArray List(JsonNode? node, string recipe, string what, int max) => node switch
    {
        null => [],
        JsonArray array when array.Count <= max => array,
        JsonArray array => throw BakeException.BadRecipe(recipe, $"{what} has {array.Count} entries, over the {max} allowed"),
        _ => throw BakeException.BadRecipe(recipe, $"{what} is not a list"),
    };

    private static string Scalar(JsonNode? node, string recipe, string what)
        => node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw BakeException.BadRecipe(recipe, $"{what} is missing or not a plain value");

    private static bool IsInside(string path, string folder)
        => path.StartsWith(folder.EndsWith('/') ? folder : folder + "/", StringComparison.Ordinal);

    /// <summary>The path with every symbolic link on it resolved (what realpath(3) returns).</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        if (depth > 40)
        {
            throw new IOException($"too many levels of symbolic links at {path}");
        }

        var current = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                next = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
            }

            current = next;
        }

        return current;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9+.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PackageName();
}
