namespace Jumpstart.Shared.Metadata;

/// <summary>Bounds on what a metadata disc or description may hold; guestd applies these values, so they stay small.</summary>
public static class MetadataLimits
{
    /// <summary>Largest metadata file read from a disc (JSON, YAML, user data, the self script).</summary>
    public const int MaxFileBytes = 1 << 20;

    public const int MaxInterfaces = 64;
    public const int MaxAddressesPerInterface = 64;
    public const int MaxRoutesPerInterface = 256;
    public const int MaxDnsEntries = 16;
    public const int MaxIdentifierChars = 128;
    public const int MaxTokenChars = 4096;
    public const int MaxRandomSeedBytes = 4096;

    /// <summary>Most nodes built from one YAML document; YAML aliases could otherwise expand exponentially.</summary>
    public const int MaxYamlNodes = 100_000;

    public const int MaxYamlDepth = 64;
}
