namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets of a simple reply and of a structured reply chunk's header; both start with a 32-bit magic.</summary>
/// <remarks>proto.md "Simple reply message" (32 bits magic, 32 bits error, 64 bits cookie) and "Structured reply
/// chunk message" (32 bits magic, 16 bits flags, 16 bits type, 64 bits cookie, 32 bits payload length).</remarks>
public static class NbdReplyLayout
{
    /// <summary><see cref="NbdMagic.SimpleReply"/> or <see cref="NbdMagic.StructuredReply"/> (4 bytes).</summary>
    public const int MagicOffset = 0;

    /// <summary>Length of the magic, read first to tell the two apart.</summary>
    public const int MagicLength = 4;

    /// <summary><see cref="NbdError"/> of a simple reply (4 bytes).</summary>
    public const int SimpleErrorOffset = 4;

    /// <summary>Cookie of either kind (8 bytes).</summary>
    public const int CookieOffset = 8;

    /// <summary>The whole simple reply header.</summary>
    public const int SimpleLength = 16;

    /// <summary><see cref="NbdReplyFlags"/> of a chunk (2 bytes).</summary>
    public const int ChunkFlagsOffset = 4;

    /// <summary><see cref="NbdReplyType"/> of a chunk (2 bytes).</summary>
    public const int ChunkTypeOffset = 6;

    /// <summary>Length of the chunk's payload (4 bytes).</summary>
    public const int ChunkPayloadLengthOffset = 16;

    /// <summary>The whole chunk header.</summary>
    public const int ChunkHeaderLength = 20;
}
