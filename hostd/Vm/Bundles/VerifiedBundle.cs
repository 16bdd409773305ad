using Jumpstart.Hostd.Vm.Supervisor;


namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>A bundle whose every part matched its manifest when it was checked.</summary>
public sealed record VerifiedBundle(string Directory, BundleManifest Manifest, VmSpec Spec)
{
    public string PathOf(BundlePart part) => System.IO.Path.Combine(Directory, part.File);

    /// <summary>The file of <paramref name="role"/>.</summary>
    public string PathOf(BundlePartRole role) => PathOf(Manifest.Part(role) ?? throw new InvalidOperationException($"bundle {Manifest.Name} has no {role} part"));

    /// <summary>The template delta of disk <paramref name="diskId"/>.</summary>
    public string DiskPath(string diskId)
        => PathOf(Manifest.Parts.First(p => p.Role == BundlePartRole.Disk && p.DiskId == diskId));
}
