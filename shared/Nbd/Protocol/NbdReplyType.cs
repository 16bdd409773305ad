
namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Structured reply chunk types; values with bit 15 set are errors.</summary>
/// <remarks>proto.md "Structured reply types".</remarks>
public enum NbdReplyType : ushort
{
    None = 0,
    OffsetData = 1,
    OffsetHole = 2,
    BlockStatus = 5,
    BlockStatusExtended = 6,
    Error = 0x8001,
    ErrorOffset = 0x8002,
}
