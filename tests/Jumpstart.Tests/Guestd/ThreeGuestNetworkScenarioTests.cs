using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// Issue §7's integration test: a "switch" namespace with a bridge and the CMS (a real
/// <c>jumpstart cms serve</c> process), three guest namespaces on veth pairs, and one real
/// <c>jumpstart-guestd apply</c> per guest, each in its own UTS namespace, all at once.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class ThreeGuestNetworkScenarioTests : IAsyncLifetime
{
    private const int Guests = 3;
    private const string BridgeAddress = "10.77.0.1";
    private const int CmsPort = 7070;
    private const string DeploymentId = "demo-cluster";
    private static readonly TimeSpan s_applyTimeout = TimeSpan.FromMinutes(2);

    private readonly TempDirectory _temp = new("guestd-netns");
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly CancellationTokenSource _stopCms = new();
    private Task<ProcessResult>? _cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stopCms.CancelAsync();
        if (_cms is not null)
        {
            try
            {
                await _cms.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                // Expected: cancelling kills the CMS process.
            }
        }

        foreach (var ns in _namespaces)
        {
            await ns.DisposeAsync();
        }

        _stopCms.Dispose();
        _temp.Dispose();
    }

    [ToolFact("ip", "unshare", "ping", NeedsRoot = true)]
    public async Task ThreeGuests_InTheirOwnNamespaces_EndWithOwnIdentityOneMasterAndWorkersThatReachIt()
    {
        var sw = await AddNamespaceAsync("sw");
        await sw.IpAsync("link", "add", "br0", "type", "bridge");
        await sw.IpAsync("address", "add", BridgeAddress + "/24", "dev", "br0");
        await sw.IpAsync("link", "set", "br0", "up");
        var guests = new List<NetworkNamespace>();
        for (var i = 1; i <= Guests; i++)
        {
            var guest = await AddNamespaceAsync($"g{i}");
            await sw.IpAsync("link", "add", $"vg{i}", "type", "veth", "peer", "name", "eth0", "address", TemplateMac(i), "netns", guest.Name);
            await sw.IpAsync("link", "set", $"vg{i}", "master", "br0", "up");
            guests.Add(guest);
        }

        await StartCmsAsync(sw);
        await CreateDeploymentAsync(sw);
        var discs = Enumerable.Range(1, Guests).Select(WriteDisc).ToList();

        var runs = await Task.WhenAll(guests.Select((g, i) => ApplyAsync(g, i + 1, discs[i])));

        foreach (var (run, index) in runs.Select((r, i) => (r, i + 1)))
        {
            Assert.True(run.Succeeded, $"guest {index} failed ({run.ExitCode}): {run.StandardError}");
        }

        var reports = runs.Select(r => JsonDocument.Parse(r.StandardOutput).RootElement).ToList();
        for (var i = 1; i <= Guests; i++)
        {
            var report = reports[i - 1];
            Assert.Equal($"node{i}", report.GetProperty("kernelHostname").GetString());
            Assert.Equal($"node{i}\n", await File.ReadAllTextAsync(Path.Combine(RootOf(i), "etc/hostname")));
            Assert.Equal($"node{i}", (await File.ReadAllTextAsync(Path.Combine(RootOf(i), "self-hostname"))).Trim());
            var addresses = await guests[i - 1].IpAsync("-o", "-4", "address", "show", "dev", "eth0");
            Assert.Contains($"inet {AddressOf(i)}/24", addresses, StringComparison.Ordinal);
            var link = await guests[i - 1].IpAsync("-o", "link", "show", "dev", "eth0");
            Assert.Contains(CloneMac(i), link, StringComparison.Ordinal);
        }

        var roles = reports.Select(r => r.GetProperty("role").GetString()).ToList();
        var masterIndex = roles.IndexOf("master") + 1;
        Assert.Single(roles, r => r == "master");
        Assert.Equal(Guests - 1, roles.Count(r => r == "worker"));
        var masterAddress = AddressOf(masterIndex);
        for (var i = 1; i <= Guests; i++)
        {
            if (i == masterIndex)
            {
                continue;
            }

            Assert.Equal($"MASTER_ADDRESS={masterAddress}\n", await File.ReadAllTextAsync(Path.Combine(RootOf(i), "etc/jumpstart/role.env")));
            await Requirements.RunToolAsync("ip", ["netns", "exec", guests[i - 1].Name, Requirements.RequireTool("ping"), "-c1", "-W2", masterAddress]);
        }
    }

    private async Task<NetworkNamespace> AddNamespaceAsync(string role)
    {
        var ns = await NetworkNamespace.CreateAsync(role);
        _namespaces.Add(ns);
        return ns;
    }

    private async Task StartCmsAsync(NetworkNamespace sw)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cms = ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            ["netns", "exec", sw.Name, Jumpstart, "cms", "serve", "--listen", $"{BridgeAddress}:{CmsPort}",
             "--db", _temp.Combine("cms.db"), "--admin-token-file", AdminTokenFile],
            new ProcessRunOptions
            {
                OnLine = line =>
                {
                    if (line.Text.StartsWith("listening on ", StringComparison.Ordinal))
                    {
                        listening.TrySetResult();
                    }
                },
            },
            _stopCms.Token);
        var first = await Task.WhenAny(listening.Task, _cms, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != listening.Task)
        {
            var result = _cms.IsCompleted ? await _cms : null;
            throw new InvalidOperationException($"the CMS did not start: {result?.StandardError ?? "timed out"}");
        }
    }

    private async Task CreateDeploymentAsync(NetworkNamespace sw)
    {
        var spec = new DeploymentSpec
        {
            DeploymentId = DeploymentId,
            Policy = new PolicySpec { Kind = "master-workers" },
            Instances = [.. Enumerable.Range(1, Guests).Select(i => new ExpectedInstance { InstanceId = InstanceId(i), Token = TokenOf(i) })],
            Roles = new Dictionary<string, RoleConfiguration>
            {
                ["master"] = new() { Files = [new RoleFile { Path = "/etc/jumpstart/role.env", Mode = "0644", Content = "ROLE=master\n" }] },
                ["worker"] = new()
                {
                    Files = [new RoleFile { Path = "/etc/jumpstart/role.env", Mode = "0640", Content = "MASTER_ADDRESS=${MASTER_ADDRESS}\n" }],
                    Commands = [["ping", "-c1", "-W2", "${MASTER_ADDRESS}"]],
                },
            },
        };
        var specPath = _temp.Combine("deployment.json");
        await File.WriteAllTextAsync(specPath, JsonSerializer.Serialize(spec, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        await Requirements.RunToolAsync("ip",
            ["netns", "exec", sw.Name, Jumpstart, "deployment", "create", "--cms", $"{BridgeAddress}:{CmsPort}",
             "--admin-token-file", AdminTokenFile, "--spec", specPath]);
    }

    private string WriteDisc(int index)
    {
        var path = _temp.Combine($"node{index}.iso");
        MetadataDisc.WriteFile(new CloneMetadata
        {
            InstanceId = InstanceId(index),
            DeploymentId = DeploymentId,
            Hostname = $"node{index}",
            Interfaces = [new InterfaceConfig { MatchMac = TemplateMac(index), Mac = CloneMac(index), Addresses = [AddressOf(index) + "/24"] }],
            Cms = new CmsEndpoint { Host = BridgeAddress, Port = CmsPort, Token = TokenOf(index) },
            // Runs in guestd's UTS namespace, so it sees the kernel host name guestd set.
            SelfScript = "#!/bin/sh\nhostname > \"$JUMPSTART_ROOT/self-hostname\"\n",
        }, path);
        return path;
    }

    private Task<ProcessResult> ApplyAsync(NetworkNamespace guest, int index, string disc)
        => ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            ["netns", "exec", guest.Name, Requirements.RequireTool("unshare"), "--uts", "--", Guestd, "apply",
             "--disc", disc, "--state-dir", _temp.Combine($"state{index}"), "--root", RootOf(index), "--json"],
            new ProcessRunOptions { Timeout = s_applyTimeout });

    private static string Jumpstart => BuiltPrograms.Cli;

    private static string Guestd => BuiltPrograms.Find("guestd/Programs/jumpstart-guestd", "jumpstart-guestd");

    private string AdminTokenFile => _temp.Combine("admin.token");

    private string RootOf(int index) => _temp.Combine($"root{index}");

    private static string InstanceId(int index) => $"i-node{index}";

    private static string TokenOf(int index) => $"token-node{index}-{index * 7919}-secret";

    private static string AddressOf(int index) => $"10.77.0.{10 + index}";

    private static string TemplateMac(int index) => string.Create(CultureInfo.InvariantCulture, $"52:54:00:aa:00:{index:x2}");

    private static string CloneMac(int index) => string.Create(CultureInfo.InvariantCulture, $"52:54:00:cc:00:{index:x2}");
}
