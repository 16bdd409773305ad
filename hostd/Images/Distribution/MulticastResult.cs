namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>A finished multicast send: the file, its size, the wall time, and each receiver's status as uftp reported it.</summary>
public sealed record MulticastResult(string File, long Bytes, TimeSpan Elapsed, IReadOnlyList<MulticastReceiverStatus> Receivers)
{
    /// <summary>File bytes per second of wall time (every receiver got them all at once).</summary>
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? Bytes / Elapsed.TotalSeconds : 0;
}
