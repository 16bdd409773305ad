namespace Jumpstart.Hostd.Bake;

/// <summary>What a bake needs besides the recipe (jumpstart(1), <c>image bake</c>).</summary>
public sealed record BakeOptions
{
    /// <summary>The default cache; <c>JUMPSTART_GUEST_IMAGE_CACHE</c> or <c>--cache</c> moves it.</summary>
    public const string DefaultCacheDirectory = "/var/cache/jumpstart/guest-image";

    /// <summary>The Debian release baked (Debian 12).</summary>
    public const string Suite = "bookworm";

    /// <summary>Baked images: one directory per content hash.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>The jumpstart-guest .deb installed into the image.</summary>
    public required string GuestPackage { get; init; }

    /// <summary>apt source files (one-line or deb822) mmdebstrap uses; empty: this machine's own.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Timestamps in the image are clamped to this; null: <c>SOURCE_DATE_EPOCH</c>, else the archive's date.</summary>
    public long? SourceDateEpoch { get; init; }

    /// <summary>Bake again even when the cache holds this content hash.</summary>
    public bool Rebuild { get; init; }
}
