using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Bench.Nbd;

/// <summary>The two real clients the benchmark measures with: nbdcopy (sequential) and fio's nbd engine (random 4 KiB).</summary>
internal static class Measure
{
    private static readonly TimeSpan s_copyTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Seconds <c>nbdcopy URI null:</c> takes to read the whole export (its default: 4 connections, 64 requests in flight).</summary>
    public static async Task<double> SequentialSecondsAsync(string uri, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync("nbdcopy", [uri, "null:"], new ProcessRunOptions { Timeout = s_copyTimeout }, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"nbdcopy {uri} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }

        return seconds;
    }

    /// <summary>IOPS of fio 4 KiB random reads at <paramref name="depth"/> through libnbd (fio's nbd engine), one job.</summary>
    public static async Task<double> RandomReadIopsAsync(string uri, int depth, int seconds, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "--name=randread", "--ioengine=nbd", $"--uri={uri}", "--rw=randread", "--bs=4k",
            $"--iodepth={depth.ToString(CultureInfo.InvariantCulture)}", $"--runtime={seconds.ToString(CultureInfo.InvariantCulture)}",
            "--time_based", "--ramp_time=1", "--numjobs=1", "--output-format=json",
        ];
        var result = await ProcessRunner.RunAsync("fio", arguments, new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(seconds + 60) }, cancellationToken);
        var json = result.StandardOutput;
        var start = json.IndexOf('{', StringComparison.Ordinal);
        if (!result.Succeeded || start < 0)
        {
            throw new InvalidOperationException($"fio {uri} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }

        using var document = JsonDocument.Parse(json[start..]);
        var job = document.RootElement.GetProperty("jobs")[0];
        if (job.GetProperty("error").GetInt32() != 0)
        {
            throw new InvalidOperationException($"fio {uri}: job error {job.GetProperty("error").GetInt32()}");
        }

        return job.GetProperty("read").GetProperty("iops").GetDouble();
    }
}
