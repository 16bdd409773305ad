using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>The volume descriptor set (ECMA-119 8) and the Joliet supplementary descriptor (Joliet 4).</summary>
public sealed partial class IsoImage
{
    private (VolumeDescriptor Primary, VolumeDescriptor? Joliet) ReadDescriptors()
    {
        VolumeDescriptor? primary = null;
        VolumeDescriptor? joliet = null;
        var sector = new byte[IsoLayout.SectorSize];
        for (var i = 0; i < IsoLimits.MaxVolumeDescriptors; i++)
        {
            var sectorNumber = IsoLayout.FirstDescriptorSector + i;
            ReadAt((long)sectorNumber * IsoLayout.SectorSize, sector, $"volume descriptor {i}");
            if (!sector.AsSpan(IsoLayout.Descriptor.Identifier, IsoLayout.StandardIdentifier.Length).SequenceEqual(IsoLayout.StandardIdentifier))
            {
                IsoThrow.Format(i == 0
                    ? "not an ISO 9660 image: no CD001 volume descriptor at sector 16"
                    : $"volume descriptor {i} at sector {sectorNumber} has no CD001 identifier");
            }

            switch (sector[IsoLayout.Descriptor.Type])
            {
                case IsoLayout.TerminatorDescriptorType:
                    return (primary ?? IsoThrow.Format<VolumeDescriptor>("the image has no primary volume descriptor"), joliet);
                case IsoLayout.PrimaryDescriptorType when primary is null:
                    primary = ParseDescriptor(sector, isJoliet: false);

                    // Once the volume size is known it bounds every read (block devices report no length).
                    var volumeBytes = (long)primary.VolumeSectors * IsoLayout.SectorSize;
                    if (_imageBytes == long.MaxValue)
                    {
                        _imageBytes = volumeBytes;
                    }
                    else if (volumeBytes > _imageBytes)
                    {
                        IsoThrow.Format($"the image is truncated: the volume is {primary.VolumeSectors} sectors but only {_imageBytes} bytes are present");
                    }

                    break;
                case IsoLayout.SupplementaryDescriptorType when joliet is null && IsJoliet(sector):
                    joliet = ParseDescriptor(sector, isJoliet: true);
                    break;
            }
        }

        return IsoThrow.Format<(VolumeDescriptor, VolumeDescriptor?)>($"no volume descriptor set terminator within {IsoLimits.MaxVolumeDescriptors} descriptors");
    }

    private static bool IsJoliet(ReadOnlySpan<byte> sector)
    {
        var escapes = sector.Slice(IsoLayout.Descriptor.EscapeSequences, IsoLayout.JolietLevel3.Length);
        return escapes.SequenceEqual(IsoLayout.JolietLevel1) || escapes.SequenceEqual(IsoLayout.JolietLevel2) || escapes.SequenceEqual(IsoLayout.JolietLevel3);
    }

    private static VolumeDescriptor ParseDescriptor(ReadOnlySpan<byte> sector, bool isJoliet)
    {
        var blockSize = BothEndian.Read16(sector[IsoLayout.Descriptor.LogicalBlockSize..]);
        if (blockSize != IsoLayout.SectorSize)
        {
            IsoThrow.Format($"logical block size {blockSize} is not supported (only {IsoLayout.SectorSize})");
        }

        var labelField = sector.Slice(IsoLayout.Descriptor.VolumeIdentifier, IsoLayout.Descriptor.VolumeIdentifierLength);
        var label = isJoliet ? IsoNames.DecodeJoliet(labelField) : Encoding.Latin1.GetString(labelField);
        var root = sector.Slice(IsoLayout.Descriptor.RootDirectoryRecord, IsoLayout.Record.SelfRecordLength);
        return new VolumeDescriptor(
            label.TrimEnd(' ', '\0'),
            BothEndian.Read32(sector[IsoLayout.Descriptor.VolumeSpaceSize..]),
            (long)BothEndian.Read32(root[IsoLayout.Record.ExtentLocation..]) + root[IsoLayout.Record.ExtendedAttributeLength],
            BothEndian.Read32(root[IsoLayout.Record.DataLength..]),
            isJoliet);
    }

    /// <summary>What the reader needs from a primary or Joliet descriptor.</summary>
    private sealed record VolumeDescriptor(string Label, uint VolumeSectors, long RootExtent, uint RootSize, bool IsJoliet);
}
