namespace Jumpstart.Hostd.Images;

/// <summary>A cache directory that does not belong to this image (other size, extent size or identity) or is damaged.
/// Nothing in it is changed.</summary>
public sealed class PseudoImageCacheException : IOException
{
    public PseudoImageCacheException(string message)
        : base(message)
    {
    }
}
