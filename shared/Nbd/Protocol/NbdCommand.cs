
namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Request types of the transmission phase.</summary>
/// <remarks>proto.md "Request types".</remarks>
public enum NbdCommand : ushort
{
    Read = 0,
    Write = 1,
    Disconnect = 2,
    Flush = 3,
    Trim = 4,
    Cache = 5,
    WriteZeroes = 6,
    BlockStatus = 7,
    Resize = 8,
}
