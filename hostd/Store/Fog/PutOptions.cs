namespace Jumpstart.Hostd.Store.Fog;

/// <summary>How to store one file.</summary>
public sealed record PutOptions
{
    /// <summary>The file's name in the catalog.</summary>
    public required string Name { get; init; }

    /// <summary>Block (and combination) length.</summary>
    public int BlockSize { get; init; } = StoreLimits.DefaultBlockSize;

    /// <summary>The servers to spread over, in order; null = every registered server.</summary>
    public IReadOnlyList<string>? Servers { get; init; }

    /// <summary>Replace a stored file of the same name (its old combinations are deleted after the new ones are safe).</summary>
    public bool Replace { get; init; }

    /// <summary>"file" or "directory" (a tar stream).</summary>
    public string Kind { get; init; } = StoreKinds.File;
}
