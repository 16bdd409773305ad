namespace Jumpstart.Hostd.Store.Protocol;

/// <summary>A block-protocol peer sent something malformed or out of bounds.</summary>
public sealed class BlockProtocolException : StoreException
{
    public BlockProtocolException(string message)
        : base(message)
    {
    }

    public BlockProtocolException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
