using System.Globalization;
using System.Text.RegularExpressions;

namespace Jumpstart.Hostd.Images.Planning;

/// <summary>
/// Parses the sizes, rates and durations operators type: <c>2GiB</c>, <c>64M</c>, <c>500MB/s</c>, <c>1Gbit/s</c>,
/// <c>0.2ms</c>. Binary units (KiB, MiB, GiB, TiB and the bare letters K, M, G, T as in qemu-img) are powers of
/// 1024; KB, MB, GB, TB and bit rates (Kbit/s, Mbps, ...) are powers of 1000. Anything else throws
/// <see cref="FormatException"/> naming the accepted forms.
/// </summary>
public static partial class Quantities
{
    /// <summary>Largest size accepted (1 EiB): keeps every product in the model finite and every long in range.</summary>
    public const long MaxBytes = 1L << 60;

    private const string SizeForms = "a size such as 4096, 64K, 200MiB, 2GiB or 10GB";
    private const string RateForms = "a rate such as 500MB/s, 100MiB/s, 1Gbit/s or 800Mbps";
    private const string DurationForms = "a duration such as 0.2ms, 50us, 1.5s or 2min";

    /// <summary>Parses a byte count.</summary>
    public static long ParseBytes(string text)
    {
        var match = SizePattern().Match(text ?? "");
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not {SizeForms}");
        }

        var value = ParseNumber(match.Groups["n"].Value, text!, SizeForms) * SizeMultiplier(match.Groups["u"].Value);
        if (value > MaxBytes)
        {
            throw new FormatException($"'{text}' is larger than the largest size accepted (1 EiB)");
        }

        return (long)Math.Round(value);
    }

    /// <summary>Parses a bandwidth into bytes per second; must be positive.</summary>
    public static double ParseRate(string text)
    {
        var match = RatePattern().Match(text ?? "");
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not {RateForms}");
        }

        var number = ParseNumber(match.Groups["n"].Value, text!, RateForms);
        var unit = match.Groups["u"].Value;
        var bytesPerSecond = match.Groups["bits"].Success
            ? number * DecimalPrefix(unit) / 8
            : number * SizeMultiplier(unit);
        if (bytesPerSecond <= 0 || bytesPerSecond > MaxBytes)
        {
            throw new FormatException($"'{text}' must be a positive rate up to 1 EiB/s");
        }

        return bytesPerSecond;
    }

    /// <summary>Parses a duration (ns, us/µs, ms, s, min; a bare number is seconds).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text ?? "");
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not {DurationForms}");
        }

        var number = ParseNumber(match.Groups["n"].Value, text!, DurationForms);
        var seconds = match.Groups["u"].Value.ToLowerInvariant() switch
        {
            "ns" => number / 1e9,
            "us" or "µs" => number / 1e6,
            "ms" => number / 1e3,
            "" or "s" => number,
            "min" => number * 60,
            _ => throw new FormatException($"'{text}' is not {DurationForms}"),
        };
        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new FormatException($"'{text}' is too long");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Formats bytes with a binary unit, e.g. <c>1.5 GiB</c>.</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        var unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.##} {units[unit]}");
    }

    /// <summary>Formats a rate, e.g. <c>112.5 MiB/s</c>.</summary>
    public static string FormatRate(double bytesPerSecond) => FormatBytes(bytesPerSecond) + "/s";

    private static double ParseNumber(string number, string text, string forms)
    {
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new FormatException($"'{text}' is not {forms}");
        }

        return value;
    }

    private static double SizeMultiplier(string unit) => unit.ToUpperInvariant() switch
    {
        "" or "B" => 1,
        "K" or "KIB" => 1024d,
        "M" or "MIB" => 1024d * 1024,
        "G" or "GIB" => 1024d * 1024 * 1024,
        "T" or "TIB" => 1024d * 1024 * 1024 * 1024,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => throw new FormatException($"unknown size unit '{unit}'"),
    };

    private static double DecimalPrefix(string prefix) => prefix.ToUpperInvariant() switch
    {
        "" => 1,
        "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => throw new FormatException($"unknown rate prefix '{prefix}'"),
    };

    [GeneratedRegex(@"^\s*(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>[KMGT]i?B|[KMGT]|B)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\s*(?<n>[0-9]+(\.[0-9]+)?)\s*((?<u>[KMGT]?)(?<bits>(?-i:bit/s|bps))|(?<u>[KMGT]i?B|[KMGT]|B)(/s|ps))\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"^\s*(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>ns|us|µs|ms|s|min)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
