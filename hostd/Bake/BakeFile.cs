namespace Jumpstart.Hostd.Bake;

/// <summary>One file of a recipe: a file inside the recipe's folder and where it goes in the image.</summary>
/// <param name="Source">The full path of the source, inside the recipe's folder (symbolic links resolved).</param>
/// <param name="Destination">The absolute path in the image, normalized (no <c>..</c>, no empty segment).</param>
/// <param name="Mode">The permission bits (octal in the recipe), 0644 unless given.</param>
public sealed record BakeFile(string Source, string Destination, UnixFileMode Mode);
