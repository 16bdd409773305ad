namespace Jumpstart.Bench.JsonRpc;

/// <summary>Command-line settings of one benchmark run.</summary>
public sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, int Concurrency, string InteropDirectory)
{
    /// <summary>Parses <c>--seconds N --warmup N --concurrency N --interop DIR</c>; null with a message on bad input.</summary>
    public static BenchSettings? Parse(IReadOnlyList<string> args, out string? error)
    {
        double seconds = 3, warmup = 1;
        var concurrency = 16;
        string? interop = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--seconds" => double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out seconds) && seconds > 0,
                "--warmup" => double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out warmup) && warmup >= 0,
                "--concurrency" => int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out concurrency) && concurrency > 0,
                "--interop" => (interop = value) is not null,
                _ => false,
            };
            if (!ok)
            {
                error = $"bad option or value near '{args[i]}'";
                return null;
            }

            i++;
        }

        if (interop is null || !File.Exists(Path.Combine(interop, "jsonrpc-bench.js")))
        {
            error = "--interop must name tests/interop (with jsonrpc-bench.js and node_modules)";
            return null;
        }

        return new BenchSettings(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), concurrency, interop);
    }
}
