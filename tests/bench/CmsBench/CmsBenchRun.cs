using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Bench.Cms;

/// <summary>
/// Starts a CMS (real SQLite file, WAL, synchronous=FULL; with --store etcd then also two CMS sharing a real etcd) on
/// loopback TCP, then per round creates a
/// deployment of N instances and has all N register at once, each on its own connection. Prints
/// wall time, registrations/s and register latency percentiles, and checks the roles are consistent
/// (exactly one master, every worker holds its address) — a run with inconsistent roles fails.
/// </summary>
public sealed class CmsBenchRun(CmsBenchSettings settings)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Print("cms.transport", "tcp loopback, one connection per instance");
        Print("cms.instances", settings.Instances);
        Print("cms.policy", settings.Policy);
        var (sqliteRate, sqliteOk) = await RunSqliteAsync(cancellationToken);
        Console.WriteLine(Summary("SQLite (wal, synchronous=full), one CMS", sqliteRate, sqliteOk));
        if (settings.Store != "etcd")
        {
            return sqliteOk ? 0 : 1;
        }

        var (etcdRate, etcdOk) = await RunEtcdAsync(cancellationToken);
        Console.WriteLine(Summary($"etcd ({settings.EtcdMembers} member{(settings.EtcdMembers == 1 ? "" : "s")}, TLS), two CMS sharing it", etcdRate, etcdOk));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"summary: {settings.Instances} concurrent registrations: etcd {etcdRate:0}/s vs SQLite {sqliteRate:0}/s (etcd/SQLite throughput ratio {etcdRate / sqliteRate:0.00}; target etcd >= 500/s), roles consistent: {(sqliteOk && etcdOk ? "yes" : "NO")}"));
        return sqliteOk && etcdOk ? 0 : 1;
    }

    private string Summary(string store, double best, bool consistent)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"summary: {settings.Instances} concurrent registrations over TCP on {store}: best {best:0} registrations/s ({settings.Instances / best * 1000:0} ms), roles consistent: {(consistent ? "yes" : "NO")}");

    private async Task<(double Best, bool Consistent)> RunSqliteAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("jumpstart-bench-cms-");
        try
        {
            var options = Options(directory, "sqlite");
            await using var server = await CmsServer.StartAsync(options, cancellationToken: cancellationToken);
            Print("cms.sqlite", "wal, synchronous=full");
            return await RoundsAsync("cms.sqlite", [server], AdminTokenFile.Read(options.AdminTokenFile), null, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Two CMS (as on two managers) on one real etcd; the instances register with them alternately.</summary>
    private async Task<(double Best, bool Consistent)> RunEtcdAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("jumpstart-bench-cms-");
        try
        {
            using var etcd = new BenchEtcd(settings.EtcdMembers);
            await etcd.WaitHealthyAsync(cancellationToken);
            Print("cms.etcd", $"{settings.EtcdMembers} member(s), TLS, loopback; two CMS");
            var options = Options(directory, etcd.Store);
            options.EtcdCaFile = etcd.Tls.CaCertificate;
            options.EtcdCertificateFile = etcd.Tls.ClientCertificate;
            options.EtcdKeyFile = etcd.Tls.ClientKey;
            options.StorePrefix = "/jumpstart/bench/";
            await using var first = await CmsServer.StartAsync(options, cancellationToken: cancellationToken);
            await using var second = await CmsServer.StartAsync(options, cancellationToken: cancellationToken);
            using var meter = new EtcdCallMeter();
            return await RoundsAsync("cms.etcd", [first, second], AdminTokenFile.Read(options.AdminTokenFile), meter, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static CmsOptions Options(DirectoryInfo directory, string store) => new()
    {
        Enabled = true,
        Listen = "127.0.0.1:0",
        DatabasePath = Path.Combine(directory.FullName, "cms.db"),
        AdminTokenFile = Path.Combine(directory.FullName, "admin.token"),
        Store = store,
    };

    /// <summary>The rounds on <paramref name="servers"/>; <paramref name="meter"/>, on etcd, counts each round's etcd calls.</summary>
    private async Task<(double Best, bool Consistent)> RoundsAsync(string name, IReadOnlyList<CmsServer> servers, string adminToken, EtcdCallMeter? meter, CancellationToken cancellationToken)
    {
        await using var admin = await CmsAdminClient.ConnectAsync(servers[0].TcpEndPoint, adminToken, cancellationToken);
        var rates = new List<double>();
        var consistent = true;
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var deploymentId = $"bench-{round}";
            await admin.CreateAsync(Spec(deploymentId), cancellationToken);
            _ = meter?.Take();
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var (elapsed, latencies, ok) = await RegisterAllAsync(servers, deploymentId, cancellationToken);
            process.Refresh();
            var cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds;
            consistent &= ok;
            var rate = settings.Instances / elapsed.TotalSeconds;
            rates.Add(rate);
            Print($"{name}.round{round}.wall_ms", elapsed.TotalMilliseconds);
            Print($"{name}.round{round}.registrations_per_s", rate);
            Print($"{name}.round{round}.register_p50_ms", Percentile(latencies, 0.50));
            Print($"{name}.round{round}.register_p99_ms", Percentile(latencies, 0.99));
            Print($"{name}.round{round}.consistent_roles", ok ? "yes" : "NO");

            // CPU of the whole bench process (the CMS and the instances' clients), per registration.
            Print($"{name}.round{round}.cpu_ms_per_registration", cpuMs / settings.Instances);
            if (meter is not null)
            {
                var (calls, total) = meter.Take();
                Print($"{name}.round{round}.etcd_calls", calls);
                Print($"{name}.round{round}.etcd_call_mean_ms", calls == 0 ? 0.0 : total.TotalMilliseconds / calls);
            }
        }

        return (rates.Max(), consistent);
    }

    private async Task<(TimeSpan Elapsed, List<double> LatenciesMs, bool Consistent)> RegisterAllAsync(
        IReadOnlyList<CmsServer> servers,
        string deploymentId,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, settings.Instances).Select(async i =>
        {
            var started = Stopwatch.GetTimestamp();
            await using var connection = await JsonRpcClient.ConnectAsync(servers[i % servers.Count].TcpEndPoint, cancellationToken: cancellationToken);
            var assignment = await connection.InvokeAsync<RoleAssignment>(CmsMethods.Register, Register(deploymentId, i), cancellationToken);
            return (assignment, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }));
        var elapsed = clock.Elapsed;
        var roles = results.Select(r => r.assignment).ToList();
        bool consistent;
        if (settings.Policy == "master-workers")
        {
            var masters = roles.Where(r => r.Role == "master").ToList();
            consistent = masters.Count == 1
                && roles.Where(r => r.Role != "master").All(r => r.Role == "worker" && r.MasterAddress == masters[0].Variables["MASTER_ADDRESS"]);
        }
        else
        {
            consistent = roles.All(r => r.Role == "member");
        }

        return (elapsed, [.. results.Select(r => r.Item2)], consistent);
    }

    private DeploymentSpec Spec(string deploymentId) => new()
    {
        DeploymentId = deploymentId,
        Policy = new PolicySpec { Kind = settings.Policy },
        Instances = [.. Enumerable.Range(0, settings.Instances).Select(i => new ExpectedInstance { InstanceId = $"i-{i}", Token = Token(deploymentId, i) })],
    };

    private static RegisterRequest Register(string deploymentId, int i) => new()
    {
        DeploymentId = deploymentId,
        InstanceId = $"i-{i}",
        Token = Token(deploymentId, i),
        Hostname = $"node-{i}",
        Addresses = [$"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}/8"],
    };

    private static string Token(string deploymentId, int i) => $"{deploymentId}-token-{i}-0123456789abcdef";

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    private static void Print(string key, object value)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {(value is double d ? d.ToString("0.0", CultureInfo.InvariantCulture) : value)}"));
}
