namespace Jumpstart.Hostd.Bake;

/// <summary>A baked image: its cache directory (image.qcow2, vmlinuz, initrd.img, image.json) and manifest.</summary>
public sealed record BakeResult(string Directory, BakeManifest Manifest, bool CacheHit);
