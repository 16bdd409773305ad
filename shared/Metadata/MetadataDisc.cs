namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Builds a Jumpstart metadata disc (ISO 9660) from a <see cref="CloneMetadata"/> and reads any of
/// the three supported disc formats back into one.
/// </summary>
/// <remarks>STUB CONTRACT: signatures agreed; implementation lands with the ISO 9660 / metadata work.</remarks>
public static class MetadataDisc
{
    /// <summary>Writes the disc image to <paramref name="destination"/>. Same input and <see cref="CloneMetadata.HostTime"/> give identical bytes.</summary>
    public static void Write(CloneMetadata metadata, Stream destination) => throw new NotImplementedException();

    /// <summary>Writes the disc image to a file atomically (temp file, fsync, rename).</summary>
    public static void WriteFile(CloneMetadata metadata, string path) => throw new NotImplementedException();

    /// <summary>Reads a disc from an image file or a block device (e.g. /dev/sr0), whichever format it is.</summary>
    /// <exception cref="MetadataException">Not a metadata disc, unknown major version, or malformed content.</exception>
    public static CloneMetadata Read(string imageOrDevicePath) => throw new NotImplementedException();

    /// <summary>Reads a disc from a seekable stream.</summary>
    public static CloneMetadata Read(Stream image) => throw new NotImplementedException();
}
