using Jumpstart.Hostd.Vm.Supervisor;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// A baked image on disk and the VM spec that boots it as a template: its kernel and initramfs directly (so the
/// migration stream never depends on the boot loader), the qcow2 as the <c>root</c> virtio disk, the metadata CDROM,
/// a NIC and vmgenid. <c>jumpstart template create --image</c> and the tests ask this one place.
/// </summary>
public sealed record BakedImage(string Image, string Kernel, string Initrd, BakeManifest Manifest)
{
    /// <summary>The disk's qdev id and base-image key.</summary>
    public const string RootDiskId = "root";

    /// <summary>Memory of a template made from a baked image: systemd and the .NET agent want more than the test guest.</summary>
    public const int DefaultMemoryMiB = 1024;

    /// <summary>The template NIC's MAC (QEMU's OUI; clones never keep it, ClonePlanner picks theirs).</summary>
    public const string DefaultMac = "52:54:00:4a:53:01";

    /// <summary>guestd's console line once it watches the CDROM under the image's systemd: the template is ready.</summary>
    public const string ReadyMarker = "JUMPSTART-GUESTD: ready";

    private const int NicPciSlot = 3;
    private const int RootDiskPciSlot = 5;

    /// <summary>
    /// Opens a baked image: a cache directory (image.json, image.qcow2, ...) or an exported <c>NAME.qcow2</c> with
    /// <c>NAME.json</c>, <c>NAME.vmlinuz</c> and <c>NAME.initrd.img</c> beside it.
    /// </summary>
    /// <exception cref="BakeException">Not a baked image (66) or a malformed manifest (65).</exception>
    public static BakedImage Open(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return Checked(new BakedImage(
                Path.Combine(full, BakeManifest.ImageFileName),
                Path.Combine(full, BakeManifest.KernelFileName),
                Path.Combine(full, BakeManifest.InitrdFileName),
                BakeManifest.Read(full)));
        }

        var directory = Path.GetDirectoryName(full)!;
        var name = Path.GetFileNameWithoutExtension(full);
        var manifest = Path.Combine(directory, name + ".json");
        if (!File.Exists(manifest))
        {
            throw BakeException.NoInput($"{full} is not a baked image: no {manifest} beside it (jumpstart image bake --out DIR writes both)");
        }

        return Checked(new BakedImage(full, Path.Combine(directory, name + ".vmlinuz"), Path.Combine(directory, name + ".initrd.img"), BakeManifest.ReadFile(manifest)));
    }

    /// <summary>
    /// The template spec: direct kernel boot with the image's command line (and <paramref name="append"/> after it, e.g.
    /// <c>jumpstart.dask=warm</c> for a unit's <c>ConditionKernelCommandLine=</c>), the image as the root disk.
    /// </summary>
    public VmSpec Spec(string mac = DefaultMac, int memoryMiB = DefaultMemoryMiB, string? append = null) => new()
    {
        MemoryMiB = memoryMiB,
        Kernel = Kernel,
        Initrd = Initrd,
        Append = string.IsNullOrWhiteSpace(append) ? Manifest.Append : $"{Manifest.Append} {append.Trim()}",
        Disks = [new VmDiskSpec { Id = RootDiskId, PciSlot = RootDiskPciSlot }],
        Nic = new VmNicSpec { Mac = mac, PciSlot = NicPciSlot },
    };

    /// <summary>The base images for <see cref="Spec"/>: the qcow2 under the root disk (the template writes a delta).</summary>
    public IReadOnlyDictionary<string, TemplateBaseImage> BaseImages => new Dictionary<string, TemplateBaseImage>
    {
        [RootDiskId] = new(Image, "qcow2"),
    };

    private static BakedImage Checked(BakedImage image)
    {
        foreach (var file in new[] { image.Image, image.Kernel, image.Initrd }.Where(f => !File.Exists(f)))
        {
            throw BakeException.NoInput($"baked image {image.Manifest.Name} lacks {file}");
        }

        return image;
    }
}
