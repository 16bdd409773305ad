namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>Where a copy stands: bytes done of the total, the mean rate so far and the time left at that rate.</summary>
public readonly record struct CopyProgress(string Destination, long BytesDone, long BytesTotal, double BytesPerSecond, TimeSpan? Remaining);
