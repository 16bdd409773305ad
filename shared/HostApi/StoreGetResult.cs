namespace Jumpstart.Shared.HostApi;

/// <summary>What <c>store.get</c> fetched, the problems it worked around and, for a bundle, whether it verified.</summary>
public sealed record StoreGetResult
{
    public required string Name { get; init; }

    /// <summary>Where it was written (the bundle directory for a bundle).</summary>
    public required string Path { get; init; }

    public required long Length { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Servers found down, with the reason.</summary>
    public required IReadOnlyDictionary<string, string> UnreachableServers { get; init; }

    /// <summary>One line per combination that was bad or unreachable and rebuilt from others.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Servers that served data failing its integrity check.</summary>
    public required IReadOnlyList<string> BadServers { get; init; }

    /// <summary>For a bundle: whether it passed the bundle verifier; null otherwise.</summary>
    public bool? BundleVerified { get; init; }

    /// <summary>For a bundle that failed verification: what is wrong.</summary>
    public string? BundleProblem { get; init; }
}
