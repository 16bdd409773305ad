using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Bench.Cms;

/// <summary>
/// Starts a CMS (real SQLite file, WAL, synchronous=FULL) on loopback TCP, then per round creates a
/// deployment of N instances and has all N register at once, each on its own connection. Prints
/// wall time, registrations/s and register latency percentiles, and checks the roles are consistent
/// (exactly one master, every worker holds its address) — a run with inconsistent roles fails.
/// </summary>
public sealed class CmsBenchRun(CmsBenchSettings settings)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("jumpstart-bench-cms-");
        try
        {
            var options = new CmsOptions
            {
                Enabled = true,
                Listen = "127.0.0.1:0",
                DatabasePath = Path.Combine(directory.FullName, "cms.db"),
                AdminTokenFile = Path.Combine(directory.FullName, "admin.token"),
            };
            await using var server = await CmsServer.StartAsync(options, cancellationToken: cancellationToken);
            await using var admin = await CmsAdminClient.ConnectAsync(server.TcpEndPoint, AdminTokenFile.Read(options.AdminTokenFile), cancellationToken);
            Print("cms.transport", "tcp loopback, one connection per instance");
            Print("cms.instances", settings.Instances);
            Print("cms.policy", settings.Policy);
            Print("cms.sqlite", "wal, synchronous=full");

            var rates = new List<double>();
            var consistent = true;
            for (var round = 1; round <= settings.Rounds; round++)
            {
                var deploymentId = $"bench-{round}";
                await admin.CreateAsync(Spec(deploymentId), cancellationToken);
                var (elapsed, latencies, ok) = await RegisterAllAsync(server, deploymentId, cancellationToken);
                consistent &= ok;
                var rate = settings.Instances / elapsed.TotalSeconds;
                rates.Add(rate);
                Print($"cms.round{round}.wall_ms", elapsed.TotalMilliseconds);
                Print($"cms.round{round}.registrations_per_s", rate);
                Print($"cms.round{round}.register_p50_ms", Percentile(latencies, 0.50));
                Print($"cms.round{round}.register_p99_ms", Percentile(latencies, 0.99));
                Print($"cms.round{round}.consistent_roles", ok ? "yes" : "NO");
            }

            var best = rates.Max();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"summary: {settings.Instances} concurrent registrations over TCP: best {best:0} registrations/s ({settings.Instances / best * 1000:0} ms), roles consistent: {(consistent ? "yes" : "NO")}"));
            return consistent ? 0 : 1;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<(TimeSpan Elapsed, List<double> LatenciesMs, bool Consistent)> RegisterAllAsync(
        CmsServer server,
        string deploymentId,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, settings.Instances).Select(async i =>
        {
            var started = Stopwatch.GetTimestamp();
            await using var connection = await JsonRpcClient.ConnectAsync(server.TcpEndPoint, cancellationToken: cancellationToken);
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
