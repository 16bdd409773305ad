namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Bounds the server applies to everything a peer sends before it allocates or waits for it.</summary>
/// <remarks>proto.md "Conventions" (strings: at most 4096 bytes), "Option haggling" (a server MAY hard-disconnect a
/// client whose behaviour is a denial of service), "Block size constraints" (maximum payload; 32 MiB is what
/// qemu-nbd and nbdkit accept).</remarks>
public static class NbdLimits
{
    /// <summary>The longest string (export name, description, query) the protocol allows.</summary>
    public const int MaxStringLength = 4096;

    /// <summary>Option data the server reads and parses; longer options are answered <c>NBD_REP_ERR_TOO_BIG</c>.</summary>
    public const int MaxOptionLength = 64 * 1024;

    /// <summary>Option data the server is willing to read and throw away before answering ERR_TOO_BIG; beyond this
    /// the connection is dropped (a denial-of-service attempt).</summary>
    public const int MaxDiscardedOptionLength = 1024 * 1024;

    /// <summary>Largest READ or WRITE payload (the <c>NBD_INFO_BLOCK_SIZE</c> maximum).</summary>
    public const int MaxPayloadLength = 32 * 1024 * 1024;

    /// <summary>Smallest block size advertised: any byte offset and length is accepted.</summary>
    public const int MinimumBlockSize = 1;

    /// <summary>Most meta-context queries in one LIST/SET_META_CONTEXT option.</summary>
    public const int MaxMetaContextQueries = 128;

    /// <summary>Most information requests in one INFO/GO option.</summary>
    public const int MaxInfoRequests = 64;

    /// <summary>Most extents returned in one BLOCK_STATUS reply (the client asks again for the rest).</summary>
    public const int MaxExtentsPerReply = 1024;

    /// <summary>Size of the reserved zeroes after an <c>NBD_OPT_EXPORT_NAME</c> reply (unless NO_ZEROES).</summary>
    public const int ExportNameZeroPadding = 124;
}
