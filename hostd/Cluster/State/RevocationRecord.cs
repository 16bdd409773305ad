namespace Jumpstart.Hostd.Cluster.State;

/// <summary>A revoked certificate: its serial (upper-case hex), whose it was, and when.</summary>
public sealed record RevocationRecord(string Serial, string Host, DateTimeOffset RevokedAt);
