using System.Globalization;
using System.Text.Json;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// Hosts as network namespaces joined by veth pairs to a switch namespace's bridge, each a real
/// <c>jumpstart-hostd</c> with its own configuration, state directory and certificates: <see cref="Nodes"/>[0] is
/// <c>host-a</c> (the manager once <see cref="InitAsync"/> ran), then <c>host-b</c>, <c>host-c</c>, ... The bundle
/// transfer tests extend it (more hosts, <c>tc</c> on the veths, a capture on the switch).
/// </summary>
public sealed class ClusterTestBed : IAsyncDisposable
{
    /// <summary>The tests' heartbeat: one a second, down after five missed.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    public const int MissedHeartbeats = 5;

    /// <summary>The TLS handshake bound the tests configure (the default is 10 s).</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(3);

    private ClusterTestBed(ClusterSwitch network, IReadOnlyList<ClusterNode> nodes)
    {
        Switch = network;
        Nodes = nodes;
    }

    public ClusterSwitch Switch { get; }

    public IReadOnlyList<ClusterNode> Nodes { get; }

    /// <summary>The first host, which <see cref="InitAsync"/> makes the manager.</summary>
    public ClusterNode Manager => Nodes[0];

    /// <summary>The CA pin <see cref="InitAsync"/> printed.</summary>
    public string? CaHash { get; private set; }

    /// <summary>How long after its last heartbeat a host is marked down, plus one sweep and some slack for a loaded machine.</summary>
    public static TimeSpan DownBound => (HeartbeatInterval * MissedHeartbeats) + HeartbeatInterval + TimeSpan.FromSeconds(5);

    /// <summary>How long a host that joined or restarted may take to be up (hostd's start and a reconnect on a loaded machine).</summary>
    public static readonly TimeSpan UpBound = TimeSpan.FromSeconds(60);

    /// <summary>The default cluster settings of every node (a short heartbeat and handshake bound); <paramref name="extra"/> adds or overrides.</summary>
    public static Dictionary<string, object> ClusterConfig(IReadOnlyDictionary<string, object>? extra = null)
    {
        var config = new Dictionary<string, object>
        {
            ["HeartbeatInterval"] = HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
            ["MissedHeartbeats"] = MissedHeartbeats,
            ["HandshakeTimeout"] = HandshakeTimeout.ToString("c", CultureInfo.InvariantCulture),

            // The hosts have no default route: bundle multicasts use the switch's network.
            ["MulticastInterface"] = "eth0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, object>())
        {
            config[key] = value;
        }

        return config;
    }

    /// <summary>Creates the switch and <paramref name="hosts"/> hosts, each with hostd running (in no cluster yet); <paramref name="prepare"/> sees each node before its hostd starts.</summary>
    /// <param name="hosts">How many hosts.</param>
    /// <param name="clusterConfig">Cluster settings beyond <see cref="ClusterConfig"/>'s.</param>
    /// <param name="prepare">Sees each node before its hostd starts.</param>
    /// <param name="bridged">For hosts that run VMs on the switch's segment: each node's extra addresses on its bridge (<see cref="ClusterSwitch.HostBridgeName"/>), which then holds its uplink.</param>
    public static async Task<ClusterTestBed> StartAsync(
        int hosts = 3, IReadOnlyDictionary<string, object>? clusterConfig = null, Action<ClusterNode>? prepare = null, Func<ClusterNode, IReadOnlyList<string>?>? bridged = null)
    {
        var network = await ClusterSwitch.CreateAsync();
        var nodes = new List<ClusterNode>();
        try
        {
            var config = ClusterConfig(clusterConfig);
            var starting = Enumerable.Range(0, hosts).Select(i => ClusterNode.CreateAsync(network, i, NameOf(i), config, prepare, bridged)).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            return new ClusterTestBed(network, nodes);
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>host-a, host-b, ...</summary>
    public static string NameOf(int index) => $"host-{(char)('a' + index)}";

    /// <summary>Runs <c>jumpstart cluster init</c> on the manager and keeps the CA pin.</summary>
    public async Task<JsonElement> InitAsync(params string[] options)
    {
        var result = await Manager.CliJsonAsync(["cluster", "init", .. options]);
        CaHash = result.GetProperty("caHash").GetString();
        return result;
    }

    /// <summary>A new join token from the manager.</summary>
    public async Task<string> TokenAsync(string ttl = "1h", int uses = 1)
        => (await Manager.CliJsonAsync("cluster", "token", "create", "--ttl", ttl, "--uses", uses.ToString(CultureInfo.InvariantCulture))).GetProperty("token").GetString()!;

    /// <summary>Joins <paramref name="node"/> with a fresh token and the pin; fails unless it succeeds.</summary>
    public async Task JoinAsync(ClusterNode node)
        => await node.CliJsonAsync("cluster", "join", Manager.Endpoint, "--token", await TokenAsync(), "--ca-hash", CaHash!);

    /// <summary>The manager's host list.</summary>
    public async Task<Dictionary<string, JsonElement>> HostsAsync()
        => (await Manager.CliJsonAsync("cluster", "hosts")).EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h);

    /// <summary>Waits until the manager shows <paramref name="node"/> in <paramref name="state"/> (up, down, removed).</summary>
    public Task WaitForStateAsync(ClusterNode node, string state, TimeSpan within)
        => Poll.ForAsync(
            async _ => (await HostsAsync()).TryGetValue(node.Name, out var host) ? host.GetProperty("state").GetString() : "absent",
            seen => seen == state,
            within,
            $"the manager showing {node.Name} {state}",
            interval: TimeSpan.FromMilliseconds(200));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Switch.DisposeAsync();
    }
}
