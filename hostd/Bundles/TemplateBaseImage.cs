namespace Jumpstart.Hostd.Bundles;

/// <summary>A disk's base image and its format (raw or qcow2).</summary>
public sealed record TemplateBaseImage(string Path, string Format = "raw");
