namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets of an option the client sends during haggling (its data follows the header).</summary>
/// <remarks>proto.md "Option haggling": 64 bits "IHAVEOPT", 32 bits option, 32 bits data length, data.</remarks>
public static class NbdOptionLayout
{
    /// <summary><see cref="NbdMagic.IHaveOpt"/> (8 bytes).</summary>
    public const int MagicOffset = 0;

    /// <summary><see cref="NbdOption"/> (4 bytes).</summary>
    public const int OptionOffset = 8;

    /// <summary>Length of the data that follows (4 bytes).</summary>
    public const int DataLengthOffset = 12;

    /// <summary>The header before the data.</summary>
    public const int HeaderLength = 16;
}
