namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// An image is not ISO 9660, or it is malformed or hostile: a structure points past the end, loops,
/// or claims a size beyond <see cref="IsoLimits"/>. Nothing was allocated for the claimed size.
/// </summary>
public sealed class IsoFormatException(string message, Exception? inner = null) : FormatException(message, inner);
