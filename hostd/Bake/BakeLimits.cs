namespace Jumpstart.Hostd.Bake;

/// <summary>The bounds a recipe is checked against before any work starts (jumpstart-image-recipe(5)).</summary>
public static class BakeLimits
{
    /// <summary>Largest recipe file read.</summary>
    public const int MaxRecipeBytes = 256 * 1024;

    /// <summary>Most packages a recipe adds.</summary>
    public const int MaxPackages = 512;

    /// <summary>Most files a recipe copies into the image.</summary>
    public const int MaxFiles = 1024;

    /// <summary>Largest single file a recipe copies (the whole image is bounded by its size anyway).</summary>
    public const long MaxFileBytes = 4L << 30;

    /// <summary>Most commands a recipe runs.</summary>
    public const int MaxCommands = 256;

    /// <summary>Most arguments of one command, and the longest argument.</summary>
    public const int MaxArguments = 256;

    public const int MaxArgumentChars = 16 * 1024;

    /// <summary>
    /// The smallest disk: the base system (systemd, the kernel and its modules, the initramfs, GRUB, the guest agent)
    /// takes about 520 MiB installed with Debian's cloud kernel, and a recipe's packages add to it; below this a bake
    /// would fail after minutes of work.
    /// </summary>
    public const long MinSizeBytes = 1536L << 20;

    /// <summary>The largest disk (the image is sparse, but mkfs and the copy scale with it).</summary>
    public const long MaxSizeBytes = 256L << 30;

    /// <summary>The size when the recipe gives none.</summary>
    public const long DefaultSizeBytes = 2L << 30;

    /// <summary>Longest time for the whole bake (mmdebstrap downloads and installs, TCG-free).</summary>
    public static readonly TimeSpan MaxBakeTime = TimeSpan.FromMinutes(60);
}
