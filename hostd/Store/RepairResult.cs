namespace Jumpstart.Hostd.Store;

/// <summary>What a repair found, how many combinations it re-created and what it could not repair.</summary>
public sealed record RepairResult(StoredFile File, IReadOnlyList<StoreProblem> Found, int Recreated, IReadOnlyList<string> NotRepaired);
