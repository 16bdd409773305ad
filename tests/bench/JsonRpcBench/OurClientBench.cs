using System.Diagnostics;
using System.Net.Sockets;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Bench.JsonRpc;

/// <summary>Times our <see cref="JsonRpcClient"/> calling "add" on any server at a unix socket.</summary>
public static class OurClientBench
{
    private static readonly object?[] s_arguments = [1, 2];

    public static async Task<(PhaseResult Sequential, PhaseResult Concurrent)> RunAsync(string socketPath, BenchSettings settings, CancellationToken cancellationToken)
    {
        await using var connection = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken: cancellationToken);
        await PhaseAsync(connection, settings.Warmup, 1, cancellationToken);
        var sequential = await PhaseAsync(connection, settings.Duration, 1, cancellationToken);
        var concurrent = await PhaseAsync(connection, settings.Duration, settings.Concurrency, cancellationToken);
        return (sequential, concurrent);
    }

    private static async Task<PhaseResult> PhaseAsync(JsonRpcPeer connection, TimeSpan duration, int callers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var perCaller = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => CallerAsync(connection, clock, duration, cancellationToken), cancellationToken)));
        var elapsed = clock.Elapsed;
        return PhaseResult.From([.. perCaller.SelectMany(l => l)], elapsed);
    }

    private static async Task<List<double>> CallerAsync(JsonRpcPeer connection, Stopwatch clock, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>(capacity: 1 << 16);
        while (clock.Elapsed < duration)
        {
            var start = Stopwatch.GetTimestamp();
            var sum = await connection.InvokeAsync<int>("add", s_arguments, cancellationToken);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (sum != 3)
            {
                throw new InvalidOperationException($"add returned {sum}");
            }
        }

        return latencies;
    }
}
