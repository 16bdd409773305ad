namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>The fog's catalog (SQLite) is unusable, or names something that does not exist.</summary>
public sealed class StoreCatalogException : StoreException
{
    public StoreCatalogException(string message)
        : base(message)
    {
    }

    public StoreCatalogException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
