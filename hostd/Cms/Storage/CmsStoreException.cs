namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>The CMS database cannot be used (unknown schema version, not a database).</summary>
public sealed class CmsStoreException(string message, Exception? inner = null) : Exception(message, inner);
