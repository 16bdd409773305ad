namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Every revocation and the number of the list that holds them (0: nothing was ever revoked).</summary>
public sealed record RevocationState(long Number, IReadOnlyList<RevocationRecord> Entries);
