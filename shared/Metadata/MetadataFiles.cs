using Jumpstart.Shared.Iso9660;

namespace Jumpstart.Shared.Metadata;

/// <summary>Reads metadata files from a disc with the size bound every format shares.</summary>
internal static class MetadataFiles
{
    public static byte[]? ReadOptional(IsoImage image, string path)
    {
        var entry = image.Find(path);
        if (entry is null)
        {
            return null;
        }

        if (entry.Kind != IsoEntryKind.File)
        {
            throw new MetadataException($"'{path}' on the disc is not a regular file");
        }

        if (entry.Size > MetadataLimits.MaxFileBytes)
        {
            throw new MetadataException($"'{path}' on the disc is {entry.Size} bytes; metadata files are at most {MetadataLimits.MaxFileBytes}");
        }

        var content = image.ReadFile(entry, MetadataLimits.MaxFileBytes);

        // Every metadata file is text; reject bad UTF-8 here rather than deep inside a JSON or YAML reader.
        return System.Text.Unicode.Utf8.IsValid(content)
            ? content
            : throw new MetadataException($"'{path}' on the disc is not valid UTF-8 text");
    }
}
