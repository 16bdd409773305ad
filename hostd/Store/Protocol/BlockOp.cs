namespace Jumpstart.Hostd.Store.Protocol;

/// <summary>Request codes of the block protocol (see <see cref="BlockProtocol"/>).</summary>
public enum BlockOp : byte
{
    /// <summary>First request on a connection; payload = the peer's token.</summary>
    Hello = 1,

    /// <summary>Store payload under the object id (replaces atomically).</summary>
    Put = 2,

    /// <summary>Return the object's bytes, or NotFound.</summary>
    Get = 3,

    /// <summary>Remove the object (Ok even if absent).</summary>
    Delete = 4,

    /// <summary>Count and total bytes of this peer's objects (two big-endian int64).</summary>
    Stats = 5,
}
