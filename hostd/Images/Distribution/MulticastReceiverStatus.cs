namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One receiver's line in uftp's "Transfer status" report.</summary>
public sealed record MulticastReceiverStatus(uint ClientId, string Status, double? Seconds)
{
    /// <summary>Whether the receiver has the whole file.</summary>
    public bool Completed => string.Equals(Status, "Completed", StringComparison.Ordinal);
}
