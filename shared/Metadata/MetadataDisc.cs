using System.Text;
using System.Text.Json;
using Jumpstart.Shared.Iso9660;
using Jumpstart.Shared.IO;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Builds a Jumpstart metadata disc (ISO 9660) from a <see cref="CloneMetadata"/> and reads any of
/// the three supported disc formats back into one.
/// </summary>
/// <remarks>
/// A Jumpstart disc has the volume label <see cref="JumpstartLabel"/>, the metadata as camelCase JSON
/// in <see cref="MetadataFileName"/> (with <c>schemaVersion</c>), and the <c>self</c> script again as
/// an executable file <see cref="SelfFileName"/> for people who mount the disc. NoCloud (<c>cidata</c>)
/// and ConfigDrive (<c>config-2</c>) discs are recognised by their labels.
/// </remarks>
public static class MetadataDisc
{
    /// <summary>Volume label of a Jumpstart disc.</summary>
    public const string JumpstartLabel = "JUMPSTART_META";

    public const string MetadataFileName = "jumpstart/metadata.json";

    public const string SelfFileName = "jumpstart/self";

    /// <summary>Owner-only: the file carries the instance's CMS token.</summary>
    private const int MetadataFileMode = 0x180; // 0600

    private const int SelfFileMode = 0x1C0; // 0700

    /// <summary>Writes the disc image to <paramref name="destination"/>. Same input and <see cref="CloneMetadata.HostTime"/> give identical bytes.</summary>
    /// <exception cref="MetadataException">The metadata is invalid (see <see cref="MetadataValidator"/>).</exception>
    public static void Write(CloneMetadata metadata, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(destination);
        MetadataValidator.Validate(metadata);
        var json = JsonSerializer.SerializeToUtf8Bytes(metadata with { Source = MetadataSource.Jumpstart }, MetadataJson.Options);
        var builder = new IsoImageBuilder(JumpstartLabel, metadata.HostTime ?? DateTimeOffset.UnixEpoch);
        builder.AddFile(MetadataFileName, json, MetadataFileMode);
        if (metadata.SelfScript is { } self)
        {
            builder.AddFile(SelfFileName, Encoding.UTF8.GetBytes(self), SelfFileMode);
        }

        builder.Build(destination);
    }

    /// <summary>Writes the disc image to a file atomically (temp file, fsync, rename).</summary>
    public static void WriteFile(CloneMetadata metadata, string path)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        AtomicFile.Write(path, stream => Write(metadata, stream));
    }

    /// <summary>Reads a disc from an image file or a block device (e.g. /dev/sr0), whichever format it is.</summary>
    /// <exception cref="MetadataException">
    /// Not a metadata disc (also a directory, a character device or a FIFO), unknown major version, or malformed content.
    /// </exception>
    public static CloneMetadata Read(string imageOrDevicePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imageOrDevicePath);
        FileStream stream;
        try
        {
            stream = BoundedFile.Open(imageOrDevicePath, FileKinds.Regular | FileKinds.BlockDevice, bufferSize: IsoLayout.SectorSize);
        }
        catch (InputFileException ex)
        {
            throw new MetadataException($"not a disc: {ex.Message}", ex);
        }

        using (stream)
        {
            return Read(stream);
        }
    }

    /// <summary>Reads a disc from a seekable stream.</summary>
    /// <exception cref="MetadataException">Not a metadata disc, unknown major version, or malformed content.</exception>
    public static CloneMetadata Read(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            using var iso = IsoImage.Open(image, leaveOpen: true);
            var metadata = iso.VolumeLabel switch
            {
                var l when l.Equals(JumpstartLabel, StringComparison.OrdinalIgnoreCase) => ReadJumpstart(iso),
                var l when l.Equals(NoCloudDisc.Label, StringComparison.OrdinalIgnoreCase) => NoCloudDisc.Read(iso),
                var l when l.Equals(ConfigDriveDisc.Label, StringComparison.OrdinalIgnoreCase) => ConfigDriveDisc.Read(iso),
                var l => throw new MetadataException(
                    $"volume label '{l}' is not a metadata disc (expected {JumpstartLabel}, {NoCloudDisc.Label} or {ConfigDriveDisc.Label})"),
            };
            MetadataValidator.Validate(metadata, $"the {metadata.Source} disc");
            return metadata;
        }
        catch (IsoFormatException ex)
        {
            throw new MetadataException($"not a readable ISO 9660 disc: {ex.Message}", ex);
        }
    }

    private static CloneMetadata ReadJumpstart(IsoImage iso)
    {
        var json = MetadataFiles.ReadOptional(iso, MetadataFileName)
            ?? throw new MetadataException($"the {JumpstartLabel} disc has no {MetadataFileName}");
        var document = MetadataJson.Parse(json, MetadataFileName);
        if (document is System.Text.Json.Nodes.JsonObject root && root["schemaVersion"] is null)
        {
            throw new MetadataException($"{MetadataFileName} has no schemaVersion");
        }

        return MetadataJson.Deserialize(document, MetadataFileName) with { Source = MetadataSource.Jumpstart };
    }
}
