using System.Text.RegularExpressions;
using Jumpstart.Hostd.Bake;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// The minimal recipe baked by the real CLI (once, cached by content hash): a cache hit on the second bake, no
/// identity in the image, a boot through GRUB alone with guestd active under the image's systemd and cloud-init
/// configuring it from a NoCloud disc. Templates and clones of a baked image: <see cref="DaskClusterTests"/> (one
/// template boot under TCG serves the identity checks and the application, to keep the CI run short).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestImage)]
[Collection(GuestVmsCollection.Name)]
public sealed partial class GuestImageTests(ITestOutputHelper output)
{
    /// <summary>systemd, then guestd's .NET start without ReadyToRun under TCG on two shared cores: 1.5-3 minutes measured.</summary>
    private static readonly TimeSpan s_bootBound = TimeSpan.FromMinutes(8);

    [ToolFact("mmdebstrap", "mkfs.ext4", "qemu-img", "apt-cache", NeedsRoot = true)]
    public async Task Bake_TheSameRecipeASecondTime_IsACacheHit_AndExportsEveryFile()
    {
        var (image, first) = await MinimalImage.GetAsync();
        output.WriteLine($"first bake: {(first.CacheHit ? "cache hit" : $"{first.Manifest.BakeSeconds:F0} s")}, image {first.Manifest.ImageBytes >> 20} MiB, root {first.Manifest.RootBytes >> 20} MiB, key {first.Manifest.Key}");
        using var exported = new TempDirectory("bake-out");

        var second = await MinimalImage.BakeAsync(MinimalImage.Recipe, "--out", exported.Path);

        Assert.True(second.CacheHit);
        Assert.Equal(first.Manifest.Key, second.Manifest.Key);
        Assert.Equal(first.Manifest.ImageSha256, second.Manifest.ImageSha256);
        Assert.Equal(exported.Combine("minimal.qcow2"), second.Image);
        Assert.Equal(new FileInfo(image.Image).Length, new FileInfo(second.Image).Length);
        Assert.True(File.Exists(exported.Combine("minimal.vmlinuz")) && File.Exists(exported.Combine("minimal.initrd.img")) && File.Exists(exported.Combine("minimal.json")));
        Assert.Empty(Directory.GetFiles(exported.Path, ".*"));
        Assert.Equal(first.Manifest.Key, BakedImage.Open(second.Image).Manifest.Key);
    }

    [ToolFact("mmdebstrap", "mkfs.ext4", "qemu-img", "debugfs", NeedsRoot = true)]
    public async Task BakedImage_CarriesNoIdentity_AndEnablesGuestdUnderSystemd()
    {
        var (image, _) = await MinimalImage.GetAsync();
        using var files = await ImageFiles.OpenAsync(image.Image);

        Assert.Equal("uninitialized\n", await files.ReadAsync("/etc/machine-id"));
        Assert.DoesNotContain(await files.ListAsync("/etc/ssh"), n => n.StartsWith("ssh_host_", StringComparison.Ordinal));
        Assert.Contains("sshd_config", await files.ListAsync("/etc/ssh"));
        Assert.Null(await files.ReadAsync("/var/lib/systemd/random-seed"));
        Assert.Null(await files.ReadAsync("/etc/hostname"));
        var hosts = await files.ReadAsync("/etc/hosts");
        Assert.NotNull(hosts);
        Assert.DoesNotContain(Environment.MachineName, hosts, StringComparison.Ordinal);
        Assert.Contains("jumpstart-guestd.service", await files.ListAsync("/etc/systemd/system/multi-user.target.wants"));
        Assert.Contains("\"ConsoleDevice\": \"/dev/console\"", await files.ReadAsync("/etc/jumpstart/guestd.json"), StringComparison.Ordinal);
        Assert.Contains($"root=UUID={image.Manifest.RootUuid}", await files.ReadAsync("/boot/grub/grub.cfg"), StringComparison.Ordinal);
        Assert.Contains(image.Manifest.RootUuid, await files.ReadAsync("/etc/fstab"), StringComparison.Ordinal);

        // The MBR: GRUB's boot code, one bootable Linux partition from 1 MiB, the 0x55AA signature.
        var mbr = new byte[512];
        await using (var raw = File.OpenRead(files.Raw))
        {
            await raw.ReadExactlyAsync(mbr);
        }

        Assert.Equal([0x55, 0xAA], mbr[510..512]);
        Assert.Equal(0x80, mbr[446]);
        Assert.Equal(0x83, mbr[450]);
        Assert.Equal(2048u, BitConverter.ToUInt32(mbr, 454));
        Assert.InRange(new FileInfo(image.Kernel).Length, 1L << 20, 64L << 20);
        output.WriteLine($"kernel {image.Manifest.KernelRelease}, initrd {new FileInfo(image.Initrd).Length >> 20} MiB, append '{image.Manifest.Append}'");
    }

    [ToolFact("mmdebstrap", "mkfs.ext4", "qemu-img", "qemu-system-x86_64", "genisoimage", NeedsRoot = true)]
    public async Task BakedImage_BootsThroughGrubAlone_AndCloudInitTakesHostnameNetworkAndUserDataFromANoCloudDisc()
    {
        var (image, _) = await MinimalImage.GetAsync();
        using var directory = new TempDirectory("nocloud-boot");
        var overlay = directory.Combine("disk.qcow2");
        await QemuImg.CreateOverlayAsync(overlay, image.Image, "qcow2", CancellationToken.None);
        var disc = await NoCloudDiscAsync(directory, new()
        {
            ["meta-data"] = "instance-id: nocloud-1\nlocal-hostname: cloud-guest-1\n",
            ["network-config"] = """
                network:
                  version: 2
                  ethernets:
                    lan:
                      match:
                        macaddress: "52:54:00:12:34:56"
                      addresses: [192.0.2.10/24]
                """,
            ["user-data"] = """
                #cloud-config
                write_files:
                  - path: /etc/jumpstart-nocloud
                    content: "from user-data\n"
                runcmd:
                  - [sh, -c, 'echo "JUMPSTART-NOCLOUD host=$(hostname) addresses=$(hostname -I | tr -s " " ,) file=$(tr " " _ </etc/jumpstart-nocloud)" >/dev/console']
                """,
        });
        var started = DateTimeOffset.UtcNow;

        // No -kernel: SeaBIOS -> GRUB from the MBR -> the kernel and initramfs from the ext4 root.
        await using var vm = GuestVm.StartDisk(overlay, kernel: null, initrd: null, append: null, new GuestVmOptions { MemoryMiB = BakedImage.DefaultMemoryMiB, Disc = disc });
        await vm.WaitForMarkerAsync("ready", s_bootBound);
        output.WriteLine($"power-on -> guestd ready (GRUB, kernel, systemd, guestd under TCG): {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
        var line = await Poll.ForAsync(() => NoCloudLine().Match(vm.SerialLog), m => m.Success, s_bootBound, "cloud-init's runcmd line on the console", _ => vm.SerialLog);
        output.WriteLine($"power-on -> cloud-init runcmd: {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s: {line.Value}");

        var console = vm.SerialLog;
        // GRUB's linux command adds BOOT_IMAGE= to the command line the kernel prints; QEMU's -kernel does not.
        Assert.Contains($"Command line: BOOT_IMAGE=/vmlinuz {image.Manifest.Append}", console, StringComparison.Ordinal);
        // The image's own Debian 12 userland (systemd's banner, the serial getty's issue line); its systemd is the only
        // thing that starts guestd there, through the packaged unit.
        Assert.Contains("Debian GNU/Linux 12", console, StringComparison.Ordinal);
        Assert.Equal("cloud-guest-1", line.Groups["host"].Value);
        Assert.Contains("192.0.2.10", line.Groups["addresses"].Value, StringComparison.Ordinal);
        Assert.Equal("from_user-data", line.Groups["file"].Value);
    }

    private static async Task<string> NoCloudDiscAsync(TempDirectory directory, Dictionary<string, string> files)
    {
        var root = Directory.CreateDirectory(directory.Combine("cidata")).FullName;
        foreach (var (name, content) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(root, name), content + "\n");
        }

        var iso = directory.Combine("nocloud.iso");
        var result = await Requirements.RunToolAsync("genisoimage", ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", root]);
        Assert.True(result.Succeeded, result.StandardError);
        return iso;
    }

    [GeneratedRegex(@"JUMPSTART-NOCLOUD host=(?<host>\S*) addresses=(?<addresses>\S*) file=(?<file>\S*)")]
    private static partial Regex NoCloudLine();
}
