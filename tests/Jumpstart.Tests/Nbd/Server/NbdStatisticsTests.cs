using System.Diagnostics;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>Per-export statistics: counted by the server as requests are answered, snapshotted on demand.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdStatisticsTests
{
    [Fact]
    public async Task KnownReadsAndErrors_ShowUpExactlyInTheExportStatistics()
    {
        const int Reads = 37;
        const int Length = 4096 + 5;
        await using var server = NbdTestServer.Start();
        var before = server.Exports.StatisticsOf(NbdTestServer.ExportName)!;
        Assert.Equal(0, before.Requests);

        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        Assert.Equal(1, server.Exports.StatisticsOf(NbdTestServer.ExportName)!.Connections);
        for (var i = 0; i < Reads; i++)
        {
            await client.ReadBlockAsync(i * 10_000L, Length);
        }

        await client.SendRequestAsync(NbdCommand.Write, 1, 0, 16, new byte[16]);
        Assert.Equal(NbdError.Perm, (await client.ReadSimpleReplyAsync()).Error);

        // A request is counted right after its reply is sent, so the client may see the last reply a moment earlier.
        var after = await WaitForAsync(server, s => s.Requests == Reads + 1);
        Assert.Equal(Reads, after.Reads);
        Assert.Equal((long)Reads * Length, after.BytesRead);
        Assert.Equal(0, after.BytesWritten);
        Assert.Equal(1, after.Errors);
        Assert.Equal(after.Requests, after.LatencyHistogram.Sum());
        Assert.True(after.RequestsPerSecond > 0, "requests just answered are inside the sliding window");
        Assert.True(after.BytesPerSecond > 0);
        Assert.True(after.RecentMeanLatencyMicroseconds > 0);
        Assert.InRange(after.LatencyPercentileMicroseconds(50), 1, 10_000_000);

        await client.SendRequestAsync(NbdCommand.Disconnect, 0, 0, 0);
        Assert.True(await client.IsClosedByServerAsync());
        await WaitForAsync(server, s => s.Connections == 0);
        Assert.Null(server.Exports.StatisticsOf("no-such-export"));
    }

    private static Task<NbdExportStatistics> WaitForAsync(NbdTestServer server, Func<NbdExportStatistics, bool> condition)
        => Poll.ForAsync(() => server.Exports.StatisticsOf(NbdTestServer.ExportName)!, condition, RawNbdClient.Timeout, "the export's statistics to match");

    [Fact]
    public void SlidingWindow_CountsOnlyTheLastSecondsAndTheHistogramUsesLog2Microseconds()
    {
        var now = 100 * Stopwatch.Frequency;
        var counters = new NbdExportCounters("x", () => now);
        var oneMillisecond = Stopwatch.Frequency / 1000;
        for (var i = 0; i < 50; i++)
        {
            counters.Record(NbdCommand.Read, 1000, failed: false, oneMillisecond);
        }

        now += (NbdExportCounters.WindowSeconds - 1) * Stopwatch.Frequency + (Stopwatch.Frequency / 2);
        var inside = counters.Snapshot();
        Assert.InRange(inside.RequestsPerSecond, 50 / 4.6, 50 / 4.4);
        Assert.InRange(inside.BytesPerSecond, 50_000 / 4.6, 50_000 / 4.4);
        Assert.InRange(inside.RecentMeanLatencyMicroseconds, 999, 1001);

        // 1000 µs lies in [512, 1024): bucket 9.
        Assert.Equal(50, inside.LatencyHistogram[9]);
        Assert.Equal(1024, inside.LatencyPercentileMicroseconds(99));

        now += Stopwatch.Frequency;
        var outside = counters.Snapshot();
        Assert.Equal(0, outside.RequestsPerSecond);
        Assert.Equal(0, outside.RecentMeanLatencyMicroseconds);
        Assert.Equal(50, outside.Reads);
        Assert.Equal(50_000, outside.BytesRead);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(1023, 9)]
    [InlineData(1024, 10)]
    [InlineData(long.MaxValue, NbdExportCounters.HistogramBuckets - 1)]
    public void HistogramBucket_IsTheFloorOfLog2OfMicroseconds(long micros, int bucket)
        => Assert.Equal(bucket, NbdExportCounters.Bucket(micros));
}
