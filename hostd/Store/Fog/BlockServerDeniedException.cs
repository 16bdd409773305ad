namespace Jumpstart.Hostd.Store.Fog;

/// <summary>A block server refused the token (or this peer) it was given.</summary>
public sealed class BlockServerDeniedException : StoreException
{
    public BlockServerDeniedException(string message)
        : base(message)
    {
    }

    public BlockServerDeniedException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
