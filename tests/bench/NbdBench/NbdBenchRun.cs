using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Bench.Nbd;

/// <summary>
/// The whole benchmark, in one run on one image: our server against qemu-nbd and nbdkit (sequential over
/// a unix socket and TCP, 4 KiB random reads at QD1 and QD32), then our pseudo image against nbdkit's
/// cache filter over the same upstream with added latency (cold), and the pseudo image warm. Rounds are
/// interleaved across contenders and the best of each is kept, so a burst of load on this shared
/// machine hurts no contender alone.
/// </summary>
internal sealed class NbdBenchRun(BenchSettings settings)
{
    private const string ExportName = "bench";
    private const string Ours = "jumpstart";
    private const string QemuNbd = "qemu-nbd";
    private const string Nbdkit = "nbdkit";
    private readonly Dictionary<string, double> _results = new(StringComparer.Ordinal);
    private string _work = string.Empty;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _work = settings.WorkDirectory ?? Directory.CreateTempSubdirectory("jumpstart-nbdbench-").FullName;
        Directory.CreateDirectory(_work);
        try
        {
            var image = Path.Combine(_work, "image.raw");
            await WriteImageAsync(image, settings.ImageBytes, cancellationToken);
            Print("image_bytes", settings.ImageBytes.ToString(CultureInfo.InvariantCulture));
            Print("rounds", settings.Rounds.ToString(CultureInfo.InvariantCulture));

            var servers = new List<ServerProcess>();
            try
            {
                var (ours, ourTcpPort) = await StartOursAsync(image, servers);
                var contenders = new[] { ours, await StartQemuNbdAsync(image, servers), await StartNbdkitAsync(image, servers) };
                await SequentialAsync(contenders, cancellationToken);
                await RandomAsync(contenders, cancellationToken);
                await PseudoAsync(new IPEndPoint(IPAddress.Loopback, ourTcpPort), cancellationToken);
            }
            finally
            {
                foreach (var server in servers)
                {
                    await server.DisposeAsync();
                }
            }

            PrintSummary();
            return 0;
        }
        finally
        {
            if (settings.WorkDirectory is null)
            {
                Directory.Delete(_work, recursive: true);
            }
        }
    }

    private static void Print(string key, string value) => Console.WriteLine($"{key}: {value}");

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string UnixUri(string socket) => $"nbd+unix:///{ExportName}?socket={socket}";

    private static string TcpUri(int port) => $"nbd://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{ExportName}";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    // Incompressible, non-sparse data: no server may win by skipping holes or zeros. Written once and left
    // in the page cache (24 GiB here), so every server reads from memory and the protocol path is measured.
    private static async Task WriteImageAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        var random = new Random(20261202);
        var chunk = new byte[4 << 20];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            random.NextBytes(chunk);
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - written)), cancellationToken);
        }
    }

    private async Task<(Contender Contender, int TcpPort)> StartOursAsync(string image, List<ServerProcess> servers)
    {
        var socket = Path.Combine(_work, "ours.sock");
        var port = FreePort();
        servers.Add(await ServerProcess.StartAsync(_work, settings.Jumpstart,
            ["image", "serve", "--file", image, "--name", ExportName, "--unix", socket, "--tcp", $"127.0.0.1:{Port(port)}"],
            pidFileArguments: null, new UnixDomainSocketEndPoint(socket)));
        return (new Contender(Ours, UnixUri(socket), TcpUri(port)), port);
    }

    private async Task<Contender> StartQemuNbdAsync(string image, List<ServerProcess> servers)
    {
        // qemu-nbd listens on one endpoint per process.
        var socket = Path.Combine(_work, "qemu-nbd.sock");
        var port = FreePort();
        string[] common = ["--read-only", "--persistent", "--shared=0", "--format=raw", "--export-name", ExportName];
        servers.Add(await ServerProcess.StartAsync(_work, QemuNbd, [.. common, "--socket", socket, image], null, new UnixDomainSocketEndPoint(socket)));
        servers.Add(await ServerProcess.StartAsync(_work, QemuNbd, [.. common, "--bind", "127.0.0.1", "--port", Port(port), image], null, new IPEndPoint(IPAddress.Loopback, port)));
        return new Contender(QemuNbd, UnixUri(socket), TcpUri(port));
    }

    private async Task<Contender> StartNbdkitAsync(string image, List<ServerProcess> servers)
    {
        var socket = Path.Combine(_work, "nbdkit.sock");
        var port = FreePort();
        servers.Add(await ServerProcess.StartAsync(_work, Nbdkit, ["--foreground", "--read-only", "--unix", socket, "file", image],
            pid => ["--pidfile", pid], new UnixDomainSocketEndPoint(socket)));
        servers.Add(await ServerProcess.StartAsync(_work, Nbdkit, ["--foreground", "--read-only", "--ipaddr", "127.0.0.1", "--port", Port(port), "file", image],
            pid => ["--pidfile", pid], new IPEndPoint(IPAddress.Loopback, port)));
        return new Contender(Nbdkit, UnixUri(socket), TcpUri(port));
    }

    // Best of the rounds: the least disturbed run of each contender.
    private void KeepBest(string key, double value, bool higherIsBetter)
    {
        if (!_results.TryGetValue(key, out var best) || (higherIsBetter ? value > best : value < best))
        {
            _results[key] = value;
        }
    }

    private async Task SequentialAsync(Contender[] contenders, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"nbd bench: sequential reads with nbdcopy, {settings.Rounds} rounds");
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var contender in contenders)
            {
                KeepBest($"seq_unix_s_{contender.Name}", await Measure.SequentialSecondsAsync(contender.UnixUri, cancellationToken), higherIsBetter: false);
                KeepBest($"seq_tcp_s_{contender.Name}", await Measure.SequentialSecondsAsync(contender.TcpUri, cancellationToken), higherIsBetter: false);
            }
        }

        foreach (var transport in new[] { "unix", "tcp" })
        {
            foreach (var contender in contenders)
            {
                var seconds = _results[$"seq_{transport}_s_{contender.Name}"];
                Print($"seq_{transport}_{contender.Name}", $"{Format(seconds, "0.000")} s, {Format(settings.ImageBytes / seconds / 1e6, "0")} MB/s");
            }
        }
    }

    private async Task RandomAsync(Contender[] contenders, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"nbd bench: 4 KiB random reads with fio (nbd engine, unix socket), {settings.Rounds} rounds of {settings.FioSeconds} s");
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var depth in new[] { 1, 32 })
            {
                foreach (var contender in contenders)
                {
                    KeepBest($"rand4k_qd{depth}_iops_{contender.Name}",
                        await Measure.RandomReadIopsAsync(contender.UnixUri, depth, settings.FioSeconds, cancellationToken), higherIsBetter: true);
                }
            }
        }

        foreach (var depth in new[] { 1, 32 })
        {
            foreach (var contender in contenders)
            {
                Print($"rand4k_qd{depth}_iops_{contender.Name}", Format(_results[$"rand4k_qd{depth}_iops_{contender.Name}"], "0"));
            }
        }
    }

    private async Task PseudoAsync(IPEndPoint upstream, CancellationToken cancellationToken)
    {
        var qd1Bytes = Math.Min(settings.ImageBytes, settings.ColdQd1Bytes);
        foreach (var delayMs in settings.DelaysMs)
        {
            Console.Error.WriteLine($"nbd bench: cold reads through a pseudo image and nbdkit's cache filter, upstream +{Format(delayMs, "0.###")} ms, {settings.ColdRounds} rounds");
            await using var proxy = new DelayProxy(upstream, TimeSpan.FromMilliseconds(delayMs));
            var label = Format(delayMs, "0.###").Replace('.', '_');

            // What the delay does to one reader that waits for each reply: the upstream as the caches see it.
            Print($"upstream_rand4k_qd1_iops_{label}ms", Format(await Measure.RandomReadIopsAsync(TcpUri(proxy.Port), 1, settings.FioSeconds, cancellationToken), "0"));
            for (var round = 0; round < settings.ColdRounds; round++)
            {
                var warm = round == settings.ColdRounds - 1 && delayMs == settings.DelaysMs[0];
                KeepBest($"pseudo_cold_{label}ms_s", await PseudoColdAsync(proxy.Port, BulkCopy, warm, cancellationToken), higherIsBetter: false);
                KeepBest($"nbdkit_cache_cold_{label}ms_s", await NbdkitCacheColdAsync(proxy.Port, BulkCopy, cancellationToken), higherIsBetter: false);
                KeepBest($"pseudo_cold_qd1_{label}ms_Bps", await PseudoColdAsync(proxy.Port, VmLikeRead, thenWarm: false, cancellationToken), higherIsBetter: true);
                KeepBest($"nbdkit_cache_cold_qd1_{label}ms_Bps", await NbdkitCacheColdAsync(proxy.Port, VmLikeRead, cancellationToken), higherIsBetter: true);
            }

            foreach (var name in new[] { "pseudo", "nbdkit_cache" })
            {
                var seconds = _results[$"{name}_cold_{label}ms_s"];
                Print($"{name}_cold_{label}ms", $"{Format(seconds, "0.000")} s, {Format(settings.ImageBytes / seconds / 1e6, "0")} MB/s (nbdcopy, whole image)");
            }

            foreach (var name in new[] { "pseudo", "nbdkit_cache" })
            {
                Print($"{name}_cold_qd1_{label}ms", $"{Format(_results[$"{name}_cold_qd1_{label}ms_Bps"] / 1e6, "0.0")} MB/s (64 KiB sequential, QD1, first {qd1Bytes >> 20} MiB)");
            }
        }

        Print("pseudo_warm_seq_unix", $"{Format(_results["pseudo_warm_seq_s"], "0.000")} s, {Format(settings.ImageBytes / _results["pseudo_warm_seq_s"] / 1e6, "0")} MB/s");
        Print("pseudo_warm_rand4k_qd1_iops", Format(_results["pseudo_warm_qd1_iops"], "0"));

        // Whole-image copy with nbdcopy's defaults (4 connections, 64 requests in flight each): seconds.
        Task<double> BulkCopy(string uri) => Measure.SequentialSecondsAsync(uri, cancellationToken);

        // One reader, one 64 KiB request at a time, as a booting VM reads: bytes per second.
        Task<double> VmLikeRead(string uri) => Measure.SequentialQd1BytesPerSecondAsync(uri, qd1Bytes, cancellationToken);
    }

    private async Task<double> PseudoColdAsync(int upstreamPort, Func<string, Task<double>> measure, bool thenWarm, CancellationToken cancellationToken)
    {
        var cache = Path.Combine(_work, $"pseudo-{Guid.NewGuid():N}");
        var socket = Path.Combine(_work, $"pseudo-{Guid.NewGuid():N}.sock");
        try
        {
            await using var server = await ServerProcess.StartAsync(_work, settings.Jumpstart,
                ["image", "serve", "--upstream", TcpUri(upstreamPort), "--cache", cache, "--name", ExportName, "--unix", socket],
                null, new UnixDomainSocketEndPoint(socket));
            var cold = await measure(UnixUri(socket));
            if (thenWarm)
            {
                await Measure.SequentialSecondsAsync(UnixUri(socket), cancellationToken);
                for (var round = 0; round < settings.Rounds; round++)
                {
                    KeepBest("pseudo_warm_seq_s", await Measure.SequentialSecondsAsync(UnixUri(socket), cancellationToken), higherIsBetter: false);
                    KeepBest("pseudo_warm_qd1_iops", await Measure.RandomReadIopsAsync(UnixUri(socket), 1, settings.FioSeconds, cancellationToken), higherIsBetter: true);
                }
            }

            return cold;
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private async Task<double> NbdkitCacheColdAsync(int upstreamPort, Func<string, Task<double>> measure, CancellationToken cancellationToken)
    {
        // The cache filter keeps its blocks in a temporary file under TMPDIR; cache-on-read makes it keep what
        // it reads (by default it caches only writes), which is what a pseudo image does.
        var tmp = Directory.CreateDirectory(Path.Combine(_work, $"nbdkit-cache-{Guid.NewGuid():N}")).FullName;
        var socket = Path.Combine(tmp, "nbdkit-cache.sock");
        try
        {
            await using var server = await ServerProcess.StartAsync(_work, Nbdkit,
                ["--foreground", "--read-only", "--unix", socket, "--filter=cache", "nbd", "hostname=127.0.0.1", $"port={Port(upstreamPort)}",
                 $"export={ExportName}", "cache-on-read=true"],
                pid => ["--pidfile", pid], new UnixDomainSocketEndPoint(socket), new Dictionary<string, string> { ["TMPDIR"] = tmp });
            return await measure(UnixUri(socket));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>
    /// Ratios against the best peer of each row (the faster of qemu-nbd and nbdkit in this run: above 1 we are ahead),
    /// each with its target from the issue, and whether the run met it.
    /// </summary>
    private void PrintSummary()
    {
        var parts = new List<string>();
        var met = 0;
        var targets = 0;
        Row("seq_unix", "seq unix", BestPeer("seq_unix_s", higherIsBetter: false, $"seq_unix_s_{Ours}"), 1.0);
        Row("seq_tcp", "seq tcp", BestPeer("seq_tcp_s", higherIsBetter: false, $"seq_tcp_s_{Ours}"), 1.0);
        Row("rand4k_qd1", "4K QD1", BestPeer("rand4k_qd1_iops", higherIsBetter: true, $"rand4k_qd1_iops_{Ours}"), 1.0);
        Row("rand4k_qd32", "4K QD32", BestPeer("rand4k_qd32_iops", higherIsBetter: true, $"rand4k_qd32_iops_{Ours}"), 1.0);
        Row("pseudo_warm_seq", "pseudo warm seq", BestPeer("seq_unix_s", higherIsBetter: false, "pseudo_warm_seq_s"), 1.0);
        Row("pseudo_warm_qd1", "pseudo warm 4K QD1", BestPeer("rand4k_qd1_iops", higherIsBetter: true, "pseudo_warm_qd1_iops"), 1.0);
        foreach (var delayMs in settings.DelaysMs)
        {
            var label = Format(delayMs, "0.###").Replace('.', '_');
            var shown = Format(delayMs, "0.###");
            double? target = delayMs >= 1 ? 3.0 : null;
            Row($"pseudo_cold_{label}ms", $"pseudo cold +{shown}ms bulk",
                ("nbdkit-cache", _results[$"nbdkit_cache_cold_{label}ms_s"] / _results[$"pseudo_cold_{label}ms_s"]), target);
            Row($"pseudo_cold_qd1_{label}ms", $"pseudo cold +{shown}ms QD1",
                ("nbdkit-cache", _results[$"pseudo_cold_qd1_{label}ms_Bps"] / _results[$"nbdkit_cache_cold_qd1_{label}ms_Bps"]), target);
        }

        Print("targets_met", $"{met}/{targets}");
        Print("summary", string.Join("; ", parts));

        void Row(string key, string title, (string Peer, double Ratio) row, double? target)
        {
            Print($"ratio_{key}_vs_best_peer", $"{Format(row.Ratio, "0.00")} ({row.Peer})");
            var verdict = string.Empty;
            if (target is { } bar)
            {
                targets++;
                var ok = row.Ratio >= bar;
                met += ok ? 1 : 0;
                verdict = $" (target >={Format(bar, "0.0")}: {(ok ? "met" : "MISSED")})";
            }

            parts.Add($"{title} {Format(row.Ratio, "0.00")}x {row.Peer}{verdict}");
        }
    }

    /// <summary>The better of qemu-nbd and nbdkit for one measure, and how <paramref name="oursKey"/> compares with it
    /// (above 1: ours is better, for times and rates alike).</summary>
    private (string Peer, double Ratio) BestPeer(string measure, bool higherIsBetter, string oursKey)
    {
        var qemu = _results[$"{measure}_{QemuNbd}"];
        var nbdkit = _results[$"{measure}_{Nbdkit}"];
        var (peer, best) = higherIsBetter == (qemu >= nbdkit) ? (QemuNbd, qemu) : (Nbdkit, nbdkit);
        var ours = _results[oursKey];
        return (peer, higherIsBetter ? ours / best : best / ours);
    }
}
