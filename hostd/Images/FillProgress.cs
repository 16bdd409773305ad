namespace Jumpstart.Hostd.Images;

/// <summary>Progress of <see cref="PseudoImage.FillAsync"/>.</summary>
/// <param name="BytesPresent">Bytes held locally now.</param>
/// <param name="BytesTotal">Image size.</param>
/// <param name="BytesPerSecond">Fetch rate of this fill so far.</param>
/// <param name="Elapsed">Time since the fill started.</param>
public readonly record struct FillProgress(long BytesPresent, long BytesTotal, double BytesPerSecond, TimeSpan Elapsed)
{
    /// <summary>Fraction done, 0..1.</summary>
    public double Fraction => BytesTotal == 0 ? 1 : (double)BytesPresent / BytesTotal;
}
