using System.Globalization;

namespace Jumpstart.Hostd.Cli;

/// <summary>Sizes on the command line: <c>4096</c>, <c>64K</c>, <c>1MiB</c>, <c>2G</c>, <c>1.5GB</c> (binary multiples, as qemu-img reads them).</summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] s_units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("TB", 1L << 40),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40), ("B", 1),
    ];

    /// <summary>Parses a size; <paramref name="option"/> names the flag in the error.</summary>
    /// <exception cref="CliUsageException">Not a size.</exception>
    public static long Parse(string text, string option)
    {
        var trimmed = text.Trim();
        var factor = 1L;
        foreach (var (suffix, unit) in s_units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                factor = unit;
                trimmed = trimmed[..^suffix.Length];
                break;
            }
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value) || value * factor > long.MaxValue)
        {
            throw new CliUsageException($"{option}: '{text}' is not a size (e.g. 4096, 64K, 1MiB, 2G)");
        }

        return (long)Math.Round(value * factor);
    }

    /// <summary>A size for people: <c>2.0 GiB</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : value.ToString("F1", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
