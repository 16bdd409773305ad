using System.Globalization;

namespace Jumpstart.Shared.Iso9660;

/// <summary>The two ECMA-119 date formats. All dates are written in UTC (offset 0) for determinism.</summary>
internal static class IsoDates
{
    private const int YearBase = 1900;

    /// <summary>Seven-byte recording date and time (ECMA-119 9.1.5), also used by RRIP TF (IEEE P1282 4.1.6).</summary>
    public static void WriteRecordingDate(Span<byte> destination, DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        destination[0] = (byte)Math.Clamp(utc.Year - YearBase, 0, byte.MaxValue);
        destination[1] = (byte)utc.Month;
        destination[2] = (byte)utc.Day;
        destination[3] = (byte)utc.Hour;
        destination[4] = (byte)utc.Minute;
        destination[5] = (byte)utc.Second;
        destination[6] = 0; // offset from GMT in 15-minute intervals
    }

    /// <summary>Seventeen-byte volume date "YYYYMMDDHHMMSScc" plus offset (ECMA-119 8.4.26.1).</summary>
    public static void WriteVolumeDate(Span<byte> destination, DateTimeOffset? value)
    {
        // An unspecified date is sixteen '0' digits and a zero offset (8.4.26.1).
        var text = value is { } v
            ? v.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + (v.UtcDateTime.Millisecond / 10).ToString("00", CultureInfo.InvariantCulture)
            : "0000000000000000";
        for (var i = 0; i < 16; i++)
        {
            destination[i] = (byte)text[i];
        }

        destination[16] = 0;
    }
}
