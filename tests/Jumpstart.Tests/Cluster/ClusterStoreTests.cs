using System.Globalization;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Tests.Store;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Vm.Shipping;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cluster;

/// <summary>Three joined hosts, each also running a block server of the secure state store.</summary>
public sealed class StoreClusterFixture : ClusterFixture
{
    public const int StorePort = 7440;

    protected override int JoinedHosts => 2;

    /// <summary>The token host <paramref name="name"/> presents as a fog to every block server.</summary>
    public static string TokenOf(string name) => $"store-token-of-{name}-0123456789";

    public static string CatalogOf(ClusterNode node) => node.Directory.Combine("store", "fog.db");

    public static string TokenFileOf(ClusterNode node) => node.Directory.Combine("fog-token");

    protected override void Prepare(ClusterNode node)
    {
        var peers = node.Directory.Combine("store-peers");
        File.WriteAllText(peers, string.Concat(Enumerable.Range(0, 3).Select(i => $"{ClusterTestBed.NameOf(i)} {TokenOf(ClusterTestBed.NameOf(i))}\n")));
        File.WriteAllText(TokenFileOf(node), TokenOf(node.Name) + "\n");
        Directory.CreateDirectory(node.Directory.Combine("store"));
        node.Section("Store", new Dictionary<string, object>
        {
            ["Enabled"] = true,
            ["Listen"] = string.Create(CultureInfo.InvariantCulture, $"{node.Address}:{StorePort}"),
            ["Directory"] = node.Directory.Combine("store", "blocks"),
            ["TokenFile"] = peers,
            ["Catalog"] = CatalogOf(node),
        });
    }
}

/// <summary>
/// A bundle whose source host is gone and that no cache holds any more comes back from the secure state store
/// (<c>jumpstart store get --bundle</c>, on a host that stored it) and is distributed from there.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ClusterStoreTests(StoreClusterFixture fixture, ITestOutputHelper output) : IClassFixture<StoreClusterFixture>
{
    private ClusterTestBed Bed => fixture.Bed;

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task ABundleNoLiveHostHolds_ComesBackFromTheStore_AndIsDistributedFromThere()
    {
        var (a, b, c) = (Bed.Nodes[0], Bed.Nodes[1], Bed.Nodes[2]);

        // host-b made the bundle; host-c received it and keeps it in the store, spread over the three hosts' block servers.
        var original = await HandMadeBundle.WriteAsync(new BundleStore(b.StateDirectory), "stored", (3 << 20) + 17);
        await CliOkAsync(b, "bundle", "distribute", "stored", "--hosts", c.Name, "--transport", "unicast");
        var cached = Path.Combine(c.StateDirectory, BundleCache.Folder, ShippingBed.IdOf(original));
        Assert.True(Directory.Exists(cached), "host-c holds no copy after the distribution");
        foreach (var node in Bed.Nodes)
        {
            var added = await c.RunAsync(BuiltPrograms.Cli, ["store", "servers", "add", node.Name, $"{node.Address}:{StoreClusterFixture.StorePort}", "--token-file", StoreClusterFixture.TokenFileOf(c), "--db", StoreClusterFixture.CatalogOf(c)]);
            Assert.True(added.Succeeded, added.StandardError);
        }

        var put = await c.CliJsonAsync("store", "put", "--bundle", "stored", "--name", "stored-bundle");
        output.WriteLine(put.ToString());

        // The source host dies (its block server with it) and host-c's cache lets the bundle go.
        await b.KillHostdAsync();
        Directory.Delete(cached, recursive: true);
        var refused = await c.CliAsync("bundle", "distribute", "stored", "--hosts", a.Name, "--transport", "unicast");
        Assert.NotEqual(0, refused.ExitCode);

        var got = await c.CliJsonAsync("store", "get", "stored-bundle", "--bundle", "stored");
        output.WriteLine(got.ToString());
        Assert.True(got.GetProperty("bundleVerified").GetBoolean(), got.ToString());
        await CliOkAsync(c, "bundle", "distribute", "stored", "--hosts", a.Name, "--transport", "unicast");

        var received = Path.Combine(a.StateDirectory, BundleCache.Folder, ShippingBed.IdOf(original));
        foreach (var file in Directory.GetFiles(original))
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(received, Path.GetFileName(file)))), $"{Path.GetFileName(file)} differs on host-a");
        }

        await b.StartHostdAsync();
    }

    private async Task CliOkAsync(ClusterNode node, params string[] arguments)
    {
        var result = await node.CliAsync(arguments);
        output.WriteLine($"{node.Name}: {string.Join(' ', arguments)}: exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        Assert.True(result.Succeeded, $"{string.Join(' ', arguments)} on {node.Name}: exit {result.ExitCode}: {result.StandardError}");
    }
}
