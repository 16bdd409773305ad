namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>store.get</c>: fetch a stored file to a host path, or restore a stored directory as one of hostd's bundles.
/// Give exactly one of <see cref="Path"/> and <see cref="Bundle"/>.
/// </summary>
public sealed record StoreGetRequest
{
    /// <summary>The stored file.</summary>
    public required string Name { get; init; }

    /// <summary>Where to write it (absolute; a directory for a stored directory).</summary>
    public string? Path { get; init; }

    /// <summary>Restore it into hostd's bundle store under this name, then verify the bundle.</summary>
    public string? Bundle { get; init; }

    /// <summary>Replace an existing bundle or non-empty directory of that name.</summary>
    public bool Replace { get; init; }
}
