namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Information types of <c>NBD_OPT_INFO</c>/<c>NBD_OPT_GO</c> and of <c>NBD_REP_INFO</c> replies.</summary>
/// <remarks>proto.md "NBD_OPT_INFO and NBD_OPT_GO".</remarks>
public enum NbdInfoType : ushort
{
    Export = 0,
    Name = 1,
    Description = 2,
    BlockSize = 3,
}
