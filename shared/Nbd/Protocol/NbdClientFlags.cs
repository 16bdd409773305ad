namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>The client's 32-bit flags, sent after the server's handshake flags.</summary>
/// <remarks>proto.md "Client flags": a server must drop the connection on a flag it does not know.</remarks>
[Flags]
public enum NbdClientFlags : uint
{
    None = 0,
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}
