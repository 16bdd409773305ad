using System.Buffers.Binary;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Writes the first megabyte of a BIOS-bootable disk: a classic MBR with one bootable Linux partition from 1 MiB to the
/// end, GRUB's boot sector code in front of the table, and GRUB's core image in the gap after it (what
/// <c>grub-install</c> does on a BIOS machine, without needing a loop device).
/// </summary>
/// <remarks>
/// MBR layout: UEFI Specification 2.10 §5.2.1 "Legacy Master Boot Record" (Table 5-1: boot code 0-439, unique disk
/// signature 440-443, partition records at 446, 16 bytes each, signature 0x55 0xAA at 510; Table 5-2: the record's
/// fields). GRUB's <c>boot.img</c> loads the sector named by its <c>kernel_sector</c> field (default 1) and
/// <c>diskboot.img</c>, the first sector of <c>core.img</c>, loads the rest from its block list, which
/// <c>grub-mkimage</c> fills with "the sectors that follow" (GRUB manual §"BIOS installation"; grub-core/boot/i386/pc).
/// </remarks>
public static class MbrDisk
{
    public const int SectorBytes = 512;

    /// <summary>The partition starts at 1 MiB (the usual alignment; the gap before holds the core image).</summary>
    public const long PartitionStartSector = 2048;

    public const long PartitionOffsetBytes = PartitionStartSector * SectorBytes;

    private const int BootCodeBytes = 440;
    private const int DiskSignatureOffset = 440;
    private const int PartitionTableOffset = 446;
    private const int SignatureOffset = 510;
    private const byte BootIndicatorActive = 0x80;
    private const byte LinuxPartitionType = 0x83;
    private const int RecordBootIndicator = 0;
    private const int RecordStartChs = 1;
    private const int RecordType = 4;
    private const int RecordEndChs = 5;
    private const int RecordStartLba = 8;
    private const int RecordSizeInLba = 12;

    /// <summary>CHS 1023/254/63: "the address does not fit", so the BIOS and GRUB use the LBA fields.</summary>
    private static readonly byte[] s_chsBeyond = [0xFE, 0xFF, 0xFF];

    /// <summary>Largest core image: it must end before the partition.</summary>
    public const long MaxCoreImageBytes = (PartitionStartSector - 1) * SectorBytes;

    /// <summary>Writes the boot code, table and core image at the start of <paramref name="disk"/> (sized already).</summary>
    /// <exception cref="BakeException">The boot images are not what GRUB writes, or the disk is too small.</exception>
    public static void Write(FileStream disk, ReadOnlySpan<byte> bootImage, ReadOnlySpan<byte> coreImage, uint diskSignature)
    {
        if (bootImage.Length != SectorBytes || BinaryPrimitives.ReadUInt16LittleEndian(bootImage[SignatureOffset..]) != 0xAA55)
        {
            throw BakeException.StepFailed($"GRUB's boot.img is {bootImage.Length} bytes without the 0x55AA signature, not a boot sector");
        }

        if (coreImage.Length == 0 || coreImage.Length > MaxCoreImageBytes)
        {
            throw BakeException.StepFailed($"GRUB's core.img is {coreImage.Length} bytes; it must fit in the {MaxCoreImageBytes} bytes before the partition");
        }

        var sectors = disk.Length / SectorBytes;
        if (sectors <= PartitionStartSector || sectors - PartitionStartSector > uint.MaxValue)
        {
            throw BakeException.StepFailed($"a disk of {disk.Length} bytes cannot hold an MBR partition from 1 MiB");
        }

        var mbr = new byte[SectorBytes];
        bootImage[..BootCodeBytes].CopyTo(mbr);
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(DiskSignatureOffset), diskSignature);
        var record = mbr.AsSpan(PartitionTableOffset, 16);
        record[RecordBootIndicator] = BootIndicatorActive;
        s_chsBeyond.CopyTo(record[RecordStartChs..]);
        record[RecordType] = LinuxPartitionType;
        s_chsBeyond.CopyTo(record[RecordEndChs..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record[RecordStartLba..], (uint)PartitionStartSector);
        BinaryPrimitives.WriteUInt32LittleEndian(record[RecordSizeInLba..], (uint)(sectors - PartitionStartSector));
        BinaryPrimitives.WriteUInt16LittleEndian(mbr.AsSpan(SignatureOffset), 0xAA55);

        disk.Position = 0;
        disk.Write(mbr);
        disk.Write(coreImage);
        disk.Flush(flushToDisk: true);
    }
}
