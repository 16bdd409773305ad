namespace Jumpstart.Hostd.Store;

/// <summary>Base of the state store's failures.</summary>
public abstract class StoreException : Exception
{
    protected StoreException(string message)
        : base(message)
    {
    }

    protected StoreException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
