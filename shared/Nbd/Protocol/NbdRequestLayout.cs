namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets of a compact transmission request (a WRITE's data follows it).</summary>
/// <remarks>proto.md "Request message": 32 bits magic, 16 bits command flags, 16 bits type, 64 bits cookie,
/// 64 bits offset, 32 bits length.</remarks>
public static class NbdRequestLayout
{
    /// <summary><see cref="NbdMagic.Request"/> (4 bytes).</summary>
    public const int MagicOffset = 0;

    /// <summary><see cref="NbdCommandFlags"/> (2 bytes).</summary>
    public const int FlagsOffset = 4;

    /// <summary><see cref="NbdCommand"/> (2 bytes).</summary>
    public const int TypeOffset = 6;

    /// <summary>The client's cookie, echoed in the reply (8 bytes).</summary>
    public const int CookieOffset = 8;

    /// <summary>Byte offset in the export (8 bytes).</summary>
    public const int OffsetOffset = 16;

    /// <summary>Length of the request's range (4 bytes).</summary>
    public const int LengthOffset = 24;

    /// <summary>The whole request header.</summary>
    public const int Length = 28;
}
