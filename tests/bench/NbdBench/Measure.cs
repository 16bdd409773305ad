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
        var read = await FioReadAsync(uri, ["--rw=randread", "--bs=4k", $"--iodepth={Number(depth)}", $"--runtime={Number(seconds)}", "--time_based", "--ramp_time=1"],
            TimeSpan.FromSeconds(seconds + 60), cancellationToken);
        return read.GetProperty("iops").GetDouble();
    }

    /// <summary>
    /// Bytes per second of one reader going through the first <paramref name="bytes"/> of the export in 64 KiB
    /// requests, one at a time: how a booting VM reads its disk, and where a cache pays one upstream round trip
    /// per block it lacks.
    /// </summary>
    public static async Task<double> SequentialQd1BytesPerSecondAsync(string uri, long bytes, CancellationToken cancellationToken)
    {
        var read = await FioReadAsync(uri, ["--rw=read", "--bs=64k", "--iodepth=1", $"--size={Number(bytes)}"], TimeSpan.FromMinutes(10), cancellationToken);
        return read.GetProperty("bw_bytes").GetDouble();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<JsonElement> FioReadAsync(string uri, string[] job, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string[] arguments = ["--name=bench", "--ioengine=nbd", $"--uri={uri}", .. job, "--numjobs=1", "--output-format=json"];
        var result = await ProcessRunner.RunAsync("fio", arguments, new ProcessRunOptions { Timeout = timeout }, cancellationToken);
        var json = result.StandardOutput;
        var start = json.IndexOf('{', StringComparison.Ordinal);
        if (!result.Succeeded || start < 0)
        {
            throw new InvalidOperationException($"fio {uri} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }

        using var document = JsonDocument.Parse(json[start..]);
        var fioJob = document.RootElement.GetProperty("jobs")[0];
        if (fioJob.GetProperty("error").GetInt32() != 0)
        {
            throw new InvalidOperationException($"fio {uri}: job error {fioJob.GetProperty("error").GetInt32()}");
        }

        return fioJob.GetProperty("read").Clone();
    }
}
