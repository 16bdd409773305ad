namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>The server's 16-bit handshake flags.</summary>
/// <remarks>proto.md "Handshake flags".</remarks>
[Flags]
public enum NbdHandshakeFlags : ushort
{
    None = 0,
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}
