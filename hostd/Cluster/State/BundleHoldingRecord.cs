namespace Jumpstart.Hostd.Cluster.State;

/// <summary>A host holds a bundle (as its last heartbeat said).</summary>
public sealed record BundleHoldingRecord(string Host, string Bundle, DateTimeOffset Since);
