namespace Jumpstart.Shared.HostApi;

/// <summary>A file in the host's state store (its key and block map never leave the host).</summary>
public sealed record StoredFileInfo
{
    public required string Name { get; init; }

    /// <summary>"file", or "directory" for a directory (a state bundle) stored as a tar stream.</summary>
    public required string Kind { get; init; }

    public required long Length { get; init; }

    public required int BlockSize { get; init; }

    /// <summary>The block servers it is spread over, in placement order.</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    public required long Stripes { get; init; }

    public required DateTimeOffset Created { get; init; }
}
