using System.Diagnostics.CodeAnalysis;

namespace Jumpstart.Shared.Iso9660;

/// <summary>Throw helpers, so the parsing paths stay small and the messages consistent.</summary>
internal static class IsoThrow
{
    [DoesNotReturn]
    public static void Format(string message) => throw new IsoFormatException(message);

    [DoesNotReturn]
    public static T Format<T>(string message) => throw new IsoFormatException(message);
}
