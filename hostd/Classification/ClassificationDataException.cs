using System.Diagnostics.CodeAnalysis;

namespace Jumpstart.Hostd.Classification;

/// <summary>
/// A data set or model file is malformed, hostile or does not fit the model (exit 65 in the CLI).
/// Nothing was changed when it is thrown.
/// </summary>
public sealed class ClassificationDataException(string message) : FormatException(message)
{
    [DoesNotReturn]
    internal static void Throw(string message) => throw new ClassificationDataException(message);
}
