namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>
/// Field offsets of what describes an export: the reply to <c>NBD_OPT_EXPORT_NAME</c>, and the
/// <c>NBD_INFO_EXPORT</c> and <c>NBD_INFO_BLOCK_SIZE</c> replies to <c>NBD_OPT_INFO</c>/<c>NBD_OPT_GO</c>.
/// </summary>
/// <remarks>proto.md "Option types" (NBD_OPT_EXPORT_NAME: 64 bits size, 16 bits transmission flags, 124 zero bytes
/// unless NO_ZEROES) and "NBD_REP_INFO" (16 bits info type, then its fields).</remarks>
public static class NbdExportInfoLayout
{
    /// <summary>Export size in the EXPORT_NAME reply (8 bytes).</summary>
    public const int ExportNameSizeOffset = 0;

    /// <summary><see cref="NbdTransmissionFlags"/> in the EXPORT_NAME reply (2 bytes).</summary>
    public const int ExportNameFlagsOffset = 8;

    /// <summary>The EXPORT_NAME reply without its zero padding (<see cref="NbdLimits.ExportNameZeroPadding"/>).</summary>
    public const int ExportNameLength = 10;

    /// <summary><see cref="NbdInfoType"/> at the start of every NBD_REP_INFO (2 bytes).</summary>
    public const int InfoTypeOffset = 0;

    /// <summary>Length of <see cref="NbdInfoType"/>, and of each information request in INFO/GO.</summary>
    public const int InfoTypeLength = 2;

    /// <summary>Export size in NBD_INFO_EXPORT (8 bytes).</summary>
    public const int InfoExportSizeOffset = 2;

    /// <summary><see cref="NbdTransmissionFlags"/> in NBD_INFO_EXPORT (2 bytes).</summary>
    public const int InfoExportFlagsOffset = 10;

    /// <summary>The whole NBD_INFO_EXPORT.</summary>
    public const int InfoExportLength = 12;

    /// <summary>Minimum block size in NBD_INFO_BLOCK_SIZE (4 bytes).</summary>
    public const int InfoBlockSizeMinimumOffset = 2;

    /// <summary>Preferred block size in NBD_INFO_BLOCK_SIZE (4 bytes).</summary>
    public const int InfoBlockSizePreferredOffset = 6;

    /// <summary>Maximum payload in NBD_INFO_BLOCK_SIZE (4 bytes).</summary>
    public const int InfoBlockSizeMaximumOffset = 10;

    /// <summary>The whole NBD_INFO_BLOCK_SIZE.</summary>
    public const int InfoBlockSizeLength = 14;
}
