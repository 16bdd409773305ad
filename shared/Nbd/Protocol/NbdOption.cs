namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Option types of the option-haggling phase.</summary>
/// <remarks>proto.md "Option types".</remarks>
public enum NbdOption : uint
{
    ExportName = 1,
    Abort = 2,
    List = 3,
    PeekExport = 4,
    StartTls = 5,
    Info = 6,
    Go = 7,
    StructuredReply = 8,
    ListMetaContext = 9,
    SetMetaContext = 10,
    ExtendedHeaders = 11,
}
