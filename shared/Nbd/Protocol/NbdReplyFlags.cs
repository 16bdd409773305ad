namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Flags of a structured reply chunk.</summary>
/// <remarks>proto.md "Structured reply chunk message".</remarks>
[Flags]
public enum NbdReplyFlags : ushort
{
    None = 0,
    Done = 1 << 0,
}
