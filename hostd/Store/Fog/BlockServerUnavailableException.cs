namespace Jumpstart.Hostd.Store.Fog;

/// <summary>A block server cannot be reached or dropped the connection; the store tries other combinations.</summary>
public sealed class BlockServerUnavailableException : StoreException
{
    public BlockServerUnavailableException(string message)
        : base(message)
    {
    }

    public BlockServerUnavailableException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public override bool IsTransient => true;
}
