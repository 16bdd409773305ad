namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>store.put</c>: store a host path or one of hostd's bundles. Give exactly one of <see cref="Path"/> and
/// <see cref="Bundle"/>; paths are the host's (hostd runs as root).
/// </summary>
public sealed record StorePutRequest
{
    /// <summary>A file, or a directory stored as a tar stream (absolute).</summary>
    public string? Path { get; init; }

    /// <summary>A bundle of hostd's bundle store, stored as a directory.</summary>
    public string? Bundle { get; init; }

    /// <summary>Name in the catalog; default: the file, directory or bundle name.</summary>
    public string? Name { get; init; }

    /// <summary>The servers to spread over, in order; null = every registered server.</summary>
    public IReadOnlyList<string>? Servers { get; init; }

    /// <summary>Block length in bytes; null = the store's default (1 MiB).</summary>
    public int? BlockSize { get; init; }

    /// <summary>Replace a stored file of the same name.</summary>
    public bool Replace { get; init; }
}
