namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// A disk's base image and its format (raw or qcow2): a file, or an NBD URI such as the export of this
/// host's image service (<c>nbd+unix:///NAME?socket=/run/jumpstart/nbd.sock</c>), so the template's
/// delta and every clone's overlay read base blocks through hostd.
/// </summary>
public sealed record TemplateBaseImage(string Path, string Format = "raw")
{
    /// <summary>Prefix that names an image of the local image service instead of a file (<c>image:NAME</c>).</summary>
    public const string ImagePrefix = "image:";

    /// <summary>True for an NBD URI (kept as is) rather than a file path.</summary>
    public static bool IsNbdUri(string path) => path.StartsWith("nbd://", StringComparison.Ordinal) || path.StartsWith("nbd+unix://", StringComparison.Ordinal);

    /// <summary>True for <c>image:NAME</c>, which hostd resolves to its image service's local URI.</summary>
    public static bool IsImageReference(string path) => path.StartsWith(ImagePrefix, StringComparison.Ordinal);
}
