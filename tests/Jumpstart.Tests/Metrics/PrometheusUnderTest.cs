using System.Globalization;
using System.Net;
using System.Text.Json;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Metrics;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) started for one test: a generated prometheus.yml that scrapes one
/// target every second, its web API on a free loopback port only, and its TSDB in the test's temp directory.
/// </summary>
internal sealed class PrometheusUnderTest : IAsyncDisposable
{
    public const string Job = "hostd";
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Task<ProcessResult> _exited;

    private PrometheusUnderTest(TempDirectory directory, string target)
    {
        Address = $"127.0.0.1:{NbdPeerServer.FreePort()}";
        var config = directory.Combine("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {Job}
                static_configs:
                  - targets: ['{target}']
            """);
        _exited = ProcessRunner.RunAsync(
            Requirements.RequireTool("prometheus"),
            [
                $"--config.file={config}",
                $"--storage.tsdb.path={directory.Combine("prometheus-data")}",
                $"--web.listen-address={Address}",
                "--log.level=warn",
            ],
            new ProcessRunOptions { Timeout = MaxLifetime },
            _stop.Token);
    }

    /// <summary>Where its web API listens (loopback).</summary>
    public string Address { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) and waits until it is ready.</summary>
    public static async Task<PrometheusUnderTest> StartAsync(TempDirectory directory, string target)
    {
        var prometheus = new PrometheusUnderTest(directory, target);
        try
        {
            await prometheus.PollAsync(async () =>
            {
                using var ready = await prometheus._http.GetAsync(new Uri($"http://{prometheus.Address}/-/ready"));
                return ready.StatusCode == HttpStatusCode.OK ? "ready" : null;
            }, "Prometheus ready");
            return prometheus;
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="query"/> through <c>/api/v1/query</c> until its vector satisfies <paramref name="accept"/> (bounded).</summary>
    public Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> WaitForAsync(
        string query, Func<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, bool> accept)
        => PollAsync(async () =>
        {
            var result = await QueryAsync(query);
            return accept(result) ? result : null;
        }, $"query {query}");

    /// <summary>One instant query; the result vector's samples.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        using var response = await _http.GetAsync(new Uri($"http://{Address}/api/v1/query?query={Uri.EscapeDataString(query)}"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused {query}: {root}");
        }

        return [.. root.GetProperty("data").GetProperty("result").EnumerateArray().Select(sample => (
            (IReadOnlyDictionary<string, string>)sample.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal),
            double.Parse(sample.GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _exited.WaitAsync(StepTimeout);
        }
        catch (OperationCanceledException)
        {
            // Cancelling is how it is stopped (the runner kills it).
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task<T> PollAsync<T>(Func<Task<T?>> attempt, string what)
        where T : class
    {
        using var bound = new CancellationTokenSource(StepTimeout);
        Exception? last = null;
        while (true)
        {
            if (_exited.IsCompleted)
            {
                var result = await _exited;
                throw new InvalidOperationException($"prometheus exited ({result.ExitCode}) before {what}: {result.StandardError}");
            }

            try
            {
                if (await attempt() is { } done)
                {
                    return done;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex; // Not listening yet.
            }

            try
            {
                await Task.Delay(s_pollInterval, bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what} within {StepTimeout.TotalSeconds} s", last);
            }
        }
    }
}
