namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets of the server's reply to an option (its data follows the header).</summary>
/// <remarks>proto.md "Option haggling": 64 bits 0x3e889045565a9, 32 bits option, 32 bits reply type, 32 bits data length, data.</remarks>
public static class NbdOptionReplyLayout
{
    /// <summary><see cref="NbdMagic.OptionReply"/> (8 bytes).</summary>
    public const int MagicOffset = 0;

    /// <summary>The option being answered (4 bytes).</summary>
    public const int OptionOffset = 8;

    /// <summary><see cref="NbdOptionReplyType"/> (4 bytes).</summary>
    public const int TypeOffset = 12;

    /// <summary>Length of the data that follows (4 bytes).</summary>
    public const int DataLengthOffset = 16;

    /// <summary>The header before the data.</summary>
    public const int HeaderLength = 20;
}
