namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets inside the payload of the structured reply chunks this project sends and reads.</summary>
/// <remarks>proto.md "Structured reply types": NBD_REPLY_TYPE_OFFSET_DATA (64 bits offset, data),
/// NBD_REPLY_TYPE_OFFSET_HOLE (64 bits offset, 32 bits size), NBD_REPLY_TYPE_BLOCK_STATUS (32 bits context id, then
/// descriptors of 32 bits length and 32 bits status flags), NBD_REPLY_TYPE_ERROR (32 bits error, 16 bits message
/// length, message).</remarks>
public static class NbdChunkLayout
{
    /// <summary>The offset that starts OFFSET_DATA and OFFSET_HOLE (8 bytes).</summary>
    public const int OffsetLength = 8;

    /// <summary>Size of the hole in OFFSET_HOLE (4 bytes).</summary>
    public const int HoleSizeOffset = 8;

    /// <summary>The whole OFFSET_HOLE payload.</summary>
    public const int HoleLength = 12;

    /// <summary>The metadata context id that starts BLOCK_STATUS (4 bytes).</summary>
    public const int ContextIdLength = 4;

    /// <summary>One BLOCK_STATUS descriptor: length then <see cref="NbdExtentFlags"/>.</summary>
    public const int DescriptorLength = 8;

    /// <summary>The flags inside a descriptor (4 bytes).</summary>
    public const int DescriptorFlagsOffset = 4;

    /// <summary><see cref="NbdError"/> in an ERROR chunk (4 bytes).</summary>
    public const int ErrorCodeOffset = 0;

    /// <summary>Length of the message in an ERROR chunk (2 bytes).</summary>
    public const int ErrorMessageLengthOffset = 4;

    /// <summary>The ERROR chunk before its message.</summary>
    public const int ErrorFixedLength = 6;
}
