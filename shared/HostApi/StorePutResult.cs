namespace Jumpstart.Shared.HostApi;

/// <summary>What <c>store.put</c> stored.</summary>
public sealed record StorePutResult
{
    /// <summary>The file as the catalog now lists it (a directory or bundle has kind "directory").</summary>
    public required StoredFileInfo File { get; init; }

    public required int Combinations { get; init; }

    /// <summary>Bytes on the block servers, all combinations together.</summary>
    public required long StoredBytes { get; init; }

    public required double Seconds { get; init; }
}
