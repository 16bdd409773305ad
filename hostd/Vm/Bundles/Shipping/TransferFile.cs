namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>One part of a bundle in a <see cref="TransferManifest"/>: its name, size and chunk hashes (lowercase hex SHA-256).</summary>
public sealed record TransferFile
{
    public required string Name { get; init; }

    public required long Size { get; init; }

    public required IReadOnlyList<string> Chunks { get; init; }
}
