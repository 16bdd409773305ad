namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Option reply types; values with bit 31 set are errors.</summary>
/// <remarks>proto.md "Option reply types".</remarks>
public enum NbdOptionReplyType : uint
{
    Ack = 1,
    Server = 2,
    Info = 3,
    MetaContext = 4,
    ErrUnsup = 0x8000_0001,
    ErrPolicy = 0x8000_0002,
    ErrInvalid = 0x8000_0003,
    ErrPlatform = 0x8000_0004,
    ErrTlsReqd = 0x8000_0005,
    ErrUnknown = 0x8000_0006,
    ErrShutdown = 0x8000_0007,
    ErrBlockSizeReqd = 0x8000_0008,
    ErrTooBig = 0x8000_0009,
    ErrExtHeaderReqd = 0x8000_000a,
}
