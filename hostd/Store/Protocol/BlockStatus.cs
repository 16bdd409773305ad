namespace Jumpstart.Hostd.Store.Protocol;

/// <summary>Response codes of the block protocol.</summary>
public enum BlockStatus : byte
{
    Ok = 0,
    NotFound = 1,

    /// <summary>No or wrong token: the server closes the connection after this answer.</summary>
    Denied = 2,

    /// <summary>Malformed or out-of-bounds request; the server closes the connection.</summary>
    BadRequest = 3,

    /// <summary>The server could not do it (disk full, I/O error); payload = a short reason in UTF-8.</summary>
    Failed = 4,
}
