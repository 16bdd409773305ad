using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>A file in the fog's catalog: its size, encoding parameters and key (the key never leaves the fog).</summary>
public sealed record StoredFile
{
    [JsonIgnore]
    public required byte[] Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Plaintext length in bytes.</summary>
    public required long Length { get; init; }

    public required int BlockSize { get; init; }

    /// <summary>The servers in placement order (server index i of the layout = Servers[i]).</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>"file", or "directory" for a directory stored as a tar stream.</summary>
    public required string Kind { get; init; }

    public required DateTimeOffset Created { get; init; }

    [JsonIgnore]
    public required byte[] Key { get; init; }

    [JsonIgnore]
    public required uint NoncePrefix { get; init; }

    /// <summary>The layout this file was stored with.</summary>
    [JsonIgnore]
    public StoreLayout Layout => StoreLayout.For(Servers.Count);

    /// <summary>Number of encrypted blocks.</summary>
    public long Blocks => Math.Max(1, (Length + BlockSize - StoreLimits.CipherTagLength - 1) / (BlockSize - StoreLimits.CipherTagLength));

    public long Stripes => (Blocks + Layout.DataBlocks - 1) / Layout.DataBlocks;
}
