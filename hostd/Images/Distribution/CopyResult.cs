namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>A finished copy: bytes read from the source, bytes written (the rest are holes), time and mean rate.</summary>
public sealed record CopyResult(string Destination, long BytesCopied, long BytesWritten, TimeSpan Elapsed)
{
    /// <summary>Bytes read per second over the whole copy.</summary>
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? BytesCopied / Elapsed.TotalSeconds : 0;
}
