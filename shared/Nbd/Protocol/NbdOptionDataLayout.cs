namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Field lengths inside the data of NBD_OPT_INFO/GO, NBD_OPT_LIST/SET_META_CONTEXT and their replies.</summary>
/// <remarks>proto.md "Option types": a string is a 32-bit length then its bytes; INFO/GO: export name, 16 bits number of
/// information requests, 16 bits each; META_CONTEXT: export name, 32 bits number of queries, each a string;
/// NBD_REP_META_CONTEXT: 32 bits context id, then the context's name; NBD_REP_SERVER: export name, then description.</remarks>
public static class NbdOptionDataLayout
{
    /// <summary>The length that precedes a string.</summary>
    public const int StringLengthPrefix = 4;

    /// <summary>Number of information requests in INFO/GO.</summary>
    public const int InfoRequestCountLength = 2;

    /// <summary>One information request (an <see cref="NbdInfoType"/>).</summary>
    public const int InfoRequestLength = 2;

    /// <summary>Number of queries in LIST/SET_META_CONTEXT.</summary>
    public const int QueryCountLength = 4;

    /// <summary>The context id that starts NBD_REP_META_CONTEXT.</summary>
    public const int ContextIdLength = 4;
}
