using System.Globalization;

namespace Jumpstart.Bench.Flows;

/// <summary>Command-line options of the flows benchmark.</summary>
public sealed record BenchOptions
{
    public string? Data { get; init; }

    public long Packets { get; init; } = 1_000_000;

    public int LiveSeconds { get; init; } = 5;

    public bool Verbose { get; init; }

    public string? KeepCapture { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--data" => options with { Data = args[++i] },
                "--packets" => options with { Packets = long.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--seconds" => options with { LiveSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--keep" => options with { KeepCapture = args[++i] },
                "--verbose" => options with { Verbose = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return options;
    }
}
