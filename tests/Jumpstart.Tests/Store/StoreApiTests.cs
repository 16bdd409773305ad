using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Options;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.Store;

/// <summary>The control socket's <c>store.*</c> methods on the catalog of section <c>Store</c>, over a real JSON-RPC socket.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreApiTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StoreApi_ListsStoredFilesAndVerifiesThemByName()
    {
        using var directory = new TempDirectory("store-api");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        await cluster.Store.PutAsync(new MemoryStream(RandomNumberGenerator.GetBytes(10_000)), new PutOptions { Name = "state-1", BlockSize = 4096 }, null, CancellationToken.None);
        var api = new StoreApi(Options.Create(new BlockServiceOptions { Catalog = cluster.CatalogPath }), new BundleStore(directory.Combine("state")));

        var file = Assert.Single(await api.ListAsync());
        Assert.Equal(("state-1", 10_000L, 3), (file.Name, file.Length, file.Servers.Count));
        var report = await api.VerifyAsync(new NameRequest { Name = "state-1" }, CancellationToken.None);
        Assert.True(report.Intact);
        Assert.Equal(6, report.Checked);

        await cluster.StopAsync(2);
        var damaged = await api.VerifyAsync(new NameRequest { Name = "state-1" }, CancellationToken.None);
        Assert.False(damaged.Intact);
        Assert.True(damaged.Recoverable);
        Assert.All(damaged.Problems, p => Assert.Contains("server s2", p, StringComparison.Ordinal));

        var missing = await Assert.ThrowsAsync<StoreNotFoundException>(() => api.VerifyAsync(new NameRequest { Name = "nope" }, CancellationToken.None));
        Assert.Equal((HostErrorCodes.NotFound, ExitCodes.NoInput), (missing.RpcCode, missing.ExitCode));
    }

    [Fact]
    public async Task StoreApi_PutsAFileAndADirectoryAndGetsThemBackByteIdentical_WithProgressNotes()
    {
        using var directory = new TempDirectory("store-api-put");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        await using var host = await Host.StartAsync(directory, cluster);
        var source = directory.Combine("state.bin");
        await File.WriteAllBytesAsync(source, RandomNumberGenerator.GetBytes(2_500_000));
        var tree = directory.Combine("tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(tree, "memory.state"), RandomNumberGenerator.GetBytes(300_000));
        await File.WriteAllTextAsync(Path.Combine(tree, "sub", "manifest.json"), "{\"v\":1}");

        var put = await host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Path = source, BlockSize = 64 * 1024 }).WaitAsync(s_bound);
        Assert.Equal(("state.bin", StoreKinds.File, 2_500_000L), (put.File.Name, put.File.Kind, put.File.Length));
        var done = await host.WaitForNoteAsync(n => n.Operation == HostMethods.StorePut && n.BytesDone == 2_500_000 && n.BytesTotal == 2_500_000);
        Assert.Contains("stored: ", done.Stage, StringComparison.Ordinal);
        var dir = await host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Path = tree, Name = "tree-1" }).WaitAsync(s_bound);
        Assert.Equal(StoreKinds.Directory, dir.File.Kind);

        var back = directory.Combine("back.bin");
        var got = await host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "state.bin", Path = back }).WaitAsync(s_bound);
        Assert.Null(got.BundleVerified);
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(back));
        await host.WaitForNoteAsync(n => n.Operation == HostMethods.StoreGet && n.BytesDone == 2_500_000);
        var treeBack = directory.Combine("tree-back");
        await host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "tree-1", Path = treeBack }).WaitAsync(s_bound);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(tree, "memory.state")), await File.ReadAllBytesAsync(Path.Combine(treeBack, "memory.state")));
        Assert.Equal("{\"v\":1}", await File.ReadAllTextAsync(Path.Combine(treeBack, "sub", "manifest.json")));

        var unknown = await Assert.ThrowsAsync<RemoteInvocationException>(() => host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "nope", Path = back }));
        Assert.Equal(HostErrorCodes.NotFound, unknown.ErrorCode);
        var relative = await Assert.ThrowsAsync<RemoteInvocationException>(() => host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Path = "state.bin" }));
        Assert.Equal(HostErrorCodes.InvalidRequest, relative.ErrorCode);
        Assert.True(await host.Client.InvokeAsync<bool>(HostMethods.StoreRemove, new NameRequest { Name = "tree-1" }));
        Assert.DoesNotContain(cluster.Catalog.Files(), f => f.Name == "tree-1");
    }

    [Fact]
    public async Task StoreApi_PutOfABundle_RestoresItUnderANewNameThatVerifies()
    {
        using var directory = new TempDirectory("store-api-bundle");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        await using var host = await Host.StartAsync(directory, cluster);
        await HandMadeBundle.WriteAsync(host.Bundles, "tmpl-a", 1_000_000);

        var put = await host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Bundle = "tmpl-a" }).WaitAsync(s_bound);
        Assert.Equal(("tmpl-a", StoreKinds.Directory), (put.File.Name, put.File.Kind));

        var got = await host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "tmpl-a", Bundle = "tmpl-b" }).WaitAsync(s_bound);
        Assert.True(got.BundleVerified, got.BundleProblem);
        Assert.Equal(host.Bundles.PathOf("tmpl-b"), got.Path);
        Assert.Equal(["tmpl-a", "tmpl-b"], host.Bundles.List());
        await host.Bundles.VerifyAsync("tmpl-b", CancellationToken.None);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Bundles.Root, ".*"));

        var exists = await Assert.ThrowsAsync<RemoteInvocationException>(() => host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "tmpl-a", Bundle = "tmpl-b" }));
        Assert.Equal(HostErrorCodes.InvalidRequest, exists.ErrorCode);
        var replaced = await host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "tmpl-a", Bundle = "tmpl-b", Replace = true }).WaitAsync(s_bound);
        Assert.True(replaced.BundleVerified);
        var noBundle = await Assert.ThrowsAsync<RemoteInvocationException>(() => host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Bundle = "absent" }));
        Assert.Equal(HostErrorCodes.NotFound, noBundle.ErrorCode);
    }

    [Fact]
    public async Task StoreApi_RepairAuto_GivesADeadServersRoleToAFreshServer_WhichThenCarriesIt()
    {
        using var directory = new TempDirectory("store-api-repair");
        await using var cluster = await StoreCluster.StartAsync(directory, 4, processes: false);
        await using var host = await Host.StartAsync(directory, cluster);
        var data = RandomNumberGenerator.GetBytes(600_000);
        var source = directory.Combine("f.bin");
        await File.WriteAllBytesAsync(source, data);
        await host.Client.InvokeAsync<StorePutResult>(HostMethods.StorePut, new StorePutRequest { Path = source, Name = "f", Servers = ["s0", "s1", "s2"], BlockSize = 4096 }).WaitAsync(s_bound);

        // s3 was unused by the file; register it again so it is the newest server, as a fresh one would be.
        var fresh = new StoreServer("s3", cluster.EndPointOf(3).ToString(), cluster.TokenOf(3));
        cluster.Catalog.RemoveServer("s3");
        cluster.Catalog.PutServer(fresh);
        await cluster.StopAsync(2);

        var repair = await host.Client.InvokeAsync<StoreRepairReport>(HostMethods.StoreRepair, new StoreRepairRequest { Name = "f", Auto = true }).WaitAsync(s_bound);
        Assert.Empty(repair.NotRepaired);
        Assert.Equal("s3", repair.Replacements["s2"]);
        Assert.Equal(["s0", "s1", "s3"], repair.Servers);
        Assert.True(repair.Recreated > 0);
        var verify = await host.Client.InvokeAsync<StoreVerifyReport>(HostMethods.StoreVerify, new NameRequest { Name = "f" }).WaitAsync(s_bound);
        Assert.True(verify.Intact, string.Join('\n', verify.Problems));
        Assert.Equal(["s0", "s1", "s3"], cluster.Catalog.GetFile("f").File.Servers);

        // A second original server dies: s3 holds s2's whole role, so this is again a single loss.
        await cluster.StopAsync(1);
        var back = directory.Combine("back.bin");
        await host.Client.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, new StoreGetRequest { Name = "f", Path = back }).WaitAsync(s_bound);
        Assert.Equal(data, await File.ReadAllBytesAsync(back));
    }

    /// <summary>A <see cref="StoreApi"/> served on a Unix socket like hostd's control socket, and a client that records progress notes.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly ConcurrentQueue<ProgressNote> _notes = new();
        private JsonRpcServer? _server;

        private Host(BundleStore bundles) => Bundles = bundles;

        public BundleStore Bundles { get; }

        public JsonRpcPeer Client { get; private set; } = null!;

        public static async Task<Host> StartAsync(TempDirectory directory, StoreCluster cluster)
        {
            var host = new Host(new BundleStore(directory.Combine("state")));
            var options = Options.Create(new BlockServiceOptions { Catalog = cluster.CatalogPath });
            var socket = directory.Combine("control.sock");
            host._server = JsonRpcServer.ListenUnix(socket, connection => connection.AddLocalRpcTarget(new StoreApi(options, host.Bundles, connection)));
            host.Client = await JsonRpcClient.ConnectAsync(
                new UnixDomainSocketEndPoint(socket),
                c => c.AddLocalRpcMethod(HostMethods.Progress, (ProgressNote note) => host._notes.Enqueue(note))).WaitAsync(s_bound);
            return host;
        }

        /// <summary>The first note matching <paramref name="match"/>; notes are dispatched beside the answer, so wait a bounded while.</summary>
        public async Task<ProgressNote> WaitForNoteAsync(Func<ProgressNote, bool> match)
            => (await Poll.ForAsync(() => _notes.FirstOrDefault(match), note => note is not null, s_bound, "a matching progress note", _ => $"{_notes.Count} other notes"))!;

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
