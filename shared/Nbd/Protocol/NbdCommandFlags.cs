namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>The 16-bit command flags of a request.</summary>
/// <remarks>proto.md "Command flags".</remarks>
[Flags]
public enum NbdCommandFlags : ushort
{
    None = 0,
    Fua = 1 << 0,
    NoHole = 1 << 1,
    DontFragment = 1 << 2,
    ReqOne = 1 << 3,
    FastZero = 1 << 4,
    PayloadLength = 1 << 5,
}
