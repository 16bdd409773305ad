namespace Jumpstart.Shared.Metadata;

/// <summary>A disc is not a metadata disc we understand, or its content is malformed.</summary>
public class MetadataException(string message, Exception? inner = null) : Exception(message, inner);
