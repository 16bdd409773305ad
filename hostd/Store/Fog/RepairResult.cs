using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>What a repair found, how many combinations it re-created and what it could not repair.</summary>
/// <param name="File">The file after the repair (its servers name the replacements that took over).</param>
/// <param name="Found">The bad or unreachable combinations found.</param>
/// <param name="Recreated">Combinations written anew.</param>
/// <param name="NotRepaired">What could not be re-created, one line each.</param>
/// <param name="Replacements">Old server to new: those asked for and those chosen automatically.</param>
public sealed record RepairResult(StoredFile File, IReadOnlyList<StoreProblem> Found, int Recreated, IReadOnlyList<string> NotRepaired, IReadOnlyDictionary<string, string> Replacements);
