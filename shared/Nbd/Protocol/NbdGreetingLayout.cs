namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field offsets of the newstyle greeting the server sends first, and of the client's flags that answer it.</summary>
/// <remarks>proto.md "Newstyle negotiation": S: 64 bits "NBDMAGIC", 64 bits "IHAVEOPT", 16 bits handshake flags;
/// C: 32 bits client flags.</remarks>
public static class NbdGreetingLayout
{
    /// <summary><see cref="NbdMagic.InitPassword"/> (8 bytes).</summary>
    public const int PasswordOffset = 0;

    /// <summary><see cref="NbdMagic.IHaveOpt"/> (8 bytes).</summary>
    public const int NewstyleMagicOffset = 8;

    /// <summary><see cref="NbdHandshakeFlags"/> (2 bytes).</summary>
    public const int HandshakeFlagsOffset = 16;

    /// <summary>The whole greeting.</summary>
    public const int Length = 18;

    /// <summary>The client's <see cref="NbdClientFlags"/> that follow it.</summary>
    public const int ClientFlagsLength = 4;
}
