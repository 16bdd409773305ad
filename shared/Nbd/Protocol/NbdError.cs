namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Error values of replies (Linux errno numbers, fixed by the protocol whatever the platform).</summary>
/// <remarks>proto.md "Error values".</remarks>
public enum NbdError : uint
{
    None = 0,
    Perm = 1,
    Io = 5,
    NoMem = 12,
    Inval = 22,
    NoSpc = 28,
    Overflow = 75,
    NotSup = 95,
    Shutdown = 108,
}
