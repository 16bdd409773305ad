using System.Buffers.Binary;
using System.Text;

namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// File identifiers in the three naming schemes: ECMA-119 level 1 (7.5, 7.6: d-characters, 8.3,
/// ";1" version), Joliet (UCS-2 big-endian, no * / : ; ? \), and decoding of both.
/// </summary>
internal static class IsoNames
{
    private const int Level1NameChars = 8;
    private const int Level1ExtensionChars = 3;
    private const string VersionSuffix = ";1";

    /// <summary>An ECMA-119 level 1 identifier for <paramref name="name"/>, unique among <paramref name="taken"/>.</summary>
    public static string ToLevel1(string name, bool isDirectory, HashSet<string> taken)
    {
        var dot = isDirectory ? -1 : name.LastIndexOf('.');
        var stem = ToDCharacters(dot > 0 ? name[..dot] : (dot == 0 ? name[1..] : name), Level1NameChars);
        var extension = dot > 0 ? ToDCharacters(name[(dot + 1)..], Level1ExtensionChars) : string.Empty;
        if (stem.Length == 0)
        {
            stem = "_";
        }

        for (var counter = 0; ; counter++)
        {
            var candidateStem = counter == 0 ? stem : WithCounter(stem, counter, Level1NameChars);
            var candidate = isDirectory ? candidateStem : $"{candidateStem}.{extension}{VersionSuffix}";
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>A Joliet identifier for <paramref name="name"/>, unique among <paramref name="taken"/>.</summary>
    public static string ToJoliet(string name, bool isDirectory, HashSet<string> taken)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            // Joliet specification 3.3: these characters are not allowed in identifiers.
            builder.Append(c is '*' or '/' or ':' or ';' or '?' or '\\' || char.IsControl(c) ? '_' : c);
        }

        var stem = builder.ToString();
        if (stem.Length > IsoLimits.MaxJolietNameChars)
        {
            stem = stem[..IsoLimits.MaxJolietNameChars];
        }

        for (var counter = 0; ; counter++)
        {
            var candidate = counter == 0 ? stem : WithCounter(stem, counter, IsoLimits.MaxJolietNameChars);
            if (taken.Add(candidate))
            {
                return isDirectory ? candidate : candidate + VersionSuffix;
            }
        }
    }

    public static byte[] EncodeJoliet(string identifier)
    {
        var bytes = new byte[identifier.Length * 2];
        for (var i = 0; i < identifier.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 2), identifier[i]);
        }

        return bytes;
    }

    /// <summary>Decodes a Joliet identifier and removes its version suffix.</summary>
    public static string DecodeJoliet(ReadOnlySpan<byte> identifier)
    {
        if (identifier.Length % 2 != 0)
        {
            IsoThrow.Format($"a Joliet identifier has an odd length ({identifier.Length} bytes)");
        }

        var chars = new char[identifier.Length / 2];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)BinaryPrimitives.ReadUInt16BigEndian(identifier[(i * 2)..]);
        }

        return StripVersion(new string(chars));
    }

    /// <summary>Decodes an ECMA-119 identifier: removes ";version" and the separator dot of a name without extension.</summary>
    public static string DecodeIso(ReadOnlySpan<byte> identifier)
    {
        var text = StripVersion(Encoding.Latin1.GetString(identifier));
        return text.Length > 1 && text.EndsWith('.') ? text[..^1] : text;
    }

    private static string StripVersion(string text)
    {
        var semicolon = text.LastIndexOf(';');
        return semicolon > 0 ? text[..semicolon] : text;
    }

    private static string ToDCharacters(string text, int maxLength)
    {
        var builder = new StringBuilder(maxLength);
        foreach (var c in text)
        {
            if (builder.Length == maxLength)
            {
                break;
            }

            var upper = char.ToUpperInvariant(c);
            builder.Append(upper is (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? upper : '_');
        }

        return builder.ToString();
    }

    private static string WithCounter(string stem, int counter, int maxLength)
    {
        var suffix = $"_{counter}";
        var keep = Math.Min(stem.Length, maxLength - suffix.Length);
        return stem[..keep] + suffix;
    }
}
