using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>What a get did: the problems it met and worked around (which server lied, which were down).</summary>
public sealed record GetResult(StoredFile File, IReadOnlyList<StoreProblem> Problems, IReadOnlyDictionary<string, string> UnreachableServers, double Seconds);
