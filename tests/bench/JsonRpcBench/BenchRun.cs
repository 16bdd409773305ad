using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Bench.JsonRpc;

/// <summary>
/// Runs all four pairs (ours/vscode client x ours/vscode server) over a unix socket in one run and
/// prints <c>key: value</c> lines, then a <c>summary:</c> line. Each server runs in its own process;
/// our client runs in this process, vscode's in node.
/// </summary>
public sealed class BenchRun(BenchSettings settings)
{
    private const string Ours = "ours";
    private const string Vscode = "vscode";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("jumpstart-bench-jsonrpc-");
        try
        {
            Print("jsonrpc.transport", "unix");
            Print("jsonrpc.method", "add(1,2) positional");
            Print("jsonrpc.phase_seconds", settings.Duration.TotalSeconds);
            Print("jsonrpc.concurrency", settings.Concurrency);
            var results = new List<PairResult>();
            foreach (var server in new[] { Ours, Vscode })
            {
                var path = Path.Combine(directory.FullName, $"{server}.sock");
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var process = await StartServerAsync(server, path, stop.Token);
                try
                {
                    foreach (var client in new[] { Ours, Vscode })
                    {
                        var pair = await RunClientAsync(client, server, path, cancellationToken);
                        PrintPair(pair);
                        results.Add(pair);
                    }
                }
                finally
                {
                    await stop.CancelAsync();
                    await StopAsync(process);
                }
            }

            PrintSummary(results);
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<PairResult> RunClientAsync(string client, string server, string path, CancellationToken cancellationToken)
    {
        if (client == Ours)
        {
            var (sequential, concurrent) = await OurClientBench.RunAsync(path, settings, cancellationToken);
            return new PairResult(client, server, sequential, concurrent);
        }

        string[] arguments =
        [
            Path.Combine(settings.InteropDirectory, "jsonrpc-bench.js"), "client", path,
            Invariant(settings.Duration.TotalSeconds), Invariant(settings.Concurrency), Invariant(settings.Warmup.TotalSeconds),
        ];
        var result = await ProcessRunner.RunAsync("node", arguments, new ProcessRunOptions { Timeout = settings.Duration * 4 + settings.Warmup + s_startTimeout }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"vscode-jsonrpc bench client failed ({result.ExitCode}): {result.StandardError}");
        }

        var phases = JsonSerializer.Deserialize<NodePhases>(result.StandardOutput.Trim().Split('\n')[^1], s_json)
                     ?? throw new InvalidOperationException("vscode-jsonrpc bench client printed nothing");
        return new PairResult(client, server, phases.Sequential, phases.Concurrent);
    }

    private async Task<Task<ProcessResult>> StartServerAsync(string server, string path, CancellationToken stop)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new ProcessRunOptions
        {
            OnLine = line =>
            {
                if (!line.IsError && line.Text.StartsWith("LISTENING", StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }
            },
        };
        var (file, arguments) = server == Ours ? OurServerCommand(path) : ("node", new[] { Path.Combine(settings.InteropDirectory, "jsonrpc-bench.js"), "server", path });
        var process = ProcessRunner.RunAsync(file, arguments, options, stop);
        if (await Task.WhenAny(listening.Task, process).WaitAsync(s_startTimeout, stop) != listening.Task)
        {
            var result = await process;
            throw new InvalidOperationException($"{server} bench server exited before listening ({result.ExitCode}): {result.StandardError}");
        }

        return process;
    }

    /// <summary>This same program in <c>serve</c> mode, whether started through <c>dotnet x.dll</c> or its apphost.</summary>
    private static (string File, string[] Arguments) OurServerCommand(string path)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, [typeof(BenchRun).Assembly.Location, "serve", path])
            : (host, ["serve", path]);
    }

    private static async Task StopAsync(Task<ProcessResult> process)
    {
        try
        {
            await process.WaitAsync(s_startTimeout);
        }
        catch (OperationCanceledException)
        {
            // Killed on purpose: the server runs until we stop it.
        }
    }

    private static void PrintPair(PairResult pair)
    {
        foreach (var (phase, result) in new[] { ("seq", pair.Sequential), ("conc", pair.Concurrent) })
        {
            Print($"{pair.Name}.{phase}.calls", result.Calls);
            Print($"{pair.Name}.{phase}.calls_per_s", Math.Round(result.CallsPerSecond));
            Print($"{pair.Name}.{phase}.p50_us", Math.Round(result.P50Us, 1));
            Print($"{pair.Name}.{phase}.p99_us", Math.Round(result.P99Us, 1));
        }
    }

    private void PrintSummary(List<PairResult> results)
    {
        PairResult Find(string client, string server) => results.Single(r => r.Client == client && r.Server == server);
        var ours = Find(Ours, Ours);
        var vscode = Find(Vscode, Vscode);
        var latencyRatio = ours.Sequential.P50Us / vscode.Sequential.P50Us;
        var sequentialRatio = ours.Sequential.CallsPerSecond / vscode.Sequential.CallsPerSecond;
        var concurrentRatio = ours.Concurrent.CallsPerSecond / vscode.Concurrent.CallsPerSecond;
        Print("ratio.seq_p50_ours_over_vscode", Math.Round(latencyRatio, 2));
        Print("ratio.seq_calls_per_s_ours_over_vscode", Math.Round(sequentialRatio, 2));
        Print("ratio.conc_calls_per_s_ours_over_vscode", Math.Round(concurrentRatio, 2));
        var cross = string.Join(", ", new[] { Find(Ours, Vscode), Find(Vscode, Ours) }.Select(p => $"{p.Name} {p.Sequential.P50Us:F0}us/{p.Concurrent.CallsPerSecond:F0} calls/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary: ours-ours p50 {ours.Sequential.P50Us:F0}us p99 {ours.Sequential.P99Us:F0}us, {ours.Sequential.CallsPerSecond:F0} calls/s sequential, {ours.Concurrent.CallsPerSecond:F0} calls/s x{settings.Concurrency}; "
            + $"vscode-vscode p50 {vscode.Sequential.P50Us:F0}us p99 {vscode.Sequential.P99Us:F0}us, {vscode.Sequential.CallsPerSecond:F0} / {vscode.Concurrent.CallsPerSecond:F0} calls/s; "
            + $"ours/vscode latency {latencyRatio:F2}x, throughput {sequentialRatio:F2}x sequential, {concurrentRatio:F2}x concurrent; cross {cross}"));
    }

    private static void Print(string key, object value)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {value}"));

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The JSON line jsonrpc-bench.js prints.</summary>
    private sealed record NodePhases(PhaseResult Sequential, PhaseResult Concurrent);
}
