namespace Jumpstart.Hostd.Bake;

/// <summary>A validated recipe: what a bake adds to the base Debian 12 system (jumpstart-image-recipe(5)).</summary>
public sealed record BakeRecipe
{
    /// <summary>The recipe's name: its file name without extension (the output's file names).</summary>
    public required string Name { get; init; }

    /// <summary>The recipe file's full path.</summary>
    public required string Path { get; init; }

    /// <summary>The disk's virtual size in bytes.</summary>
    public long SizeBytes { get; init; } = BakeLimits.DefaultSizeBytes;

    /// <summary>Debian package names added to the base system (checked against the archive).</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>Files copied from the recipe's folder into the image.</summary>
    public IReadOnlyList<BakeFile> Files { get; init; } = [];

    /// <summary>Commands run inside the image after the files are in place, each an argument vector.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Commands { get; init; } = [];
}
