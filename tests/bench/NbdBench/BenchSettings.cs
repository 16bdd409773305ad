using System.Globalization;

namespace Jumpstart.Bench.Nbd;

/// <summary>Command-line settings of the nbd benchmark.</summary>
internal sealed record BenchSettings
{
    public required string Jumpstart { get; init; }

    public long ImageBytes { get; init; } = 2L << 30;

    public int Rounds { get; init; } = 3;

    public int ColdRounds { get; init; } = 2;

    public int FioSeconds { get; init; } = 4;

    public long ColdQd1Bytes { get; init; } = 256L << 20;

    public IReadOnlyList<double> DelaysMs { get; init; } = [0, 1];

    public string? WorkDirectory { get; init; }

    public static string Usage =>
        "usage: NbdBench run --jumpstart PATH [--size-mib N (2048)] [--rounds N (3)] [--cold-rounds N (2)]\n" +
        "                    [--fio-seconds N (4)] [--cold-qd1-mib N (256)] [--delays-ms \"0 1\"] [--work DIR]";

    public static BenchSettings? Parse(IReadOnlyList<string> args, out string error)
    {
        error = string.Empty;
        string? jumpstart = null;
        var settings = new BenchSettings { Jumpstart = string.Empty };
        for (var i = 0; i < args.Count; i++)
        {
            if (i + 1 >= args.Count)
            {
                error = $"option '{args[i]}' needs a value";
                return null;
            }

            var value = args[++i];
            switch (args[i - 1])
            {
                case "--jumpstart":
                    jumpstart = value;
                    break;
                case "--size-mib" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var mib) && mib is >= 16 and <= 65536:
                    settings = settings with { ImageBytes = mib << 20 };
                    break;
                case "--rounds" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) && rounds is >= 1 and <= 20:
                    settings = settings with { Rounds = rounds };
                    break;
                case "--cold-rounds" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cold) && cold is >= 1 and <= 20:
                    settings = settings with { ColdRounds = cold };
                    break;
                case "--fio-seconds" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 600:
                    settings = settings with { FioSeconds = seconds };
                    break;
                case "--delays-ms":
                    var delays = new List<double>();
                    foreach (var part in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var delay) || delay is < 0 or > 1000)
                        {
                            error = $"--delays-ms: '{part}' is not a delay in milliseconds (0-1000)";
                            return null;
                        }

                        delays.Add(delay);
                    }

                    settings = settings with { DelaysMs = delays };
                    break;
                case "--cold-qd1-mib" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var qd1) && qd1 is >= 1 and <= 65536:
                    settings = settings with { ColdQd1Bytes = qd1 << 20 };
                    break;
                case "--work":
                    settings = settings with { WorkDirectory = value };
                    break;
                default:
                    error = $"bad option or value: {args[i - 1]} {value}";
                    return null;
            }
        }

        if (jumpstart is null || !File.Exists(jumpstart))
        {
            error = "--jumpstart PATH (the built jumpstart CLI) is required";
            return null;
        }

        return settings with { Jumpstart = jumpstart };
    }
}
