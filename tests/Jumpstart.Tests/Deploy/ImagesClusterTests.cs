using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Hostd.Cluster.Deployments.Images;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>
/// The image schemes against three real hostd in namespaces: <see cref="DeploymentImages"/> calls each host's image
/// service through the manager's remote control (<c>cluster.invoke</c> on host-a's control socket, as the manager's
/// deployer does), and every host's clones would then read the image's blocks through their own host.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Deploy)]
public sealed class ImagesClusterTests(ImagesClusterFixture fixture) : IClassFixture<ImagesClusterFixture>
{
    private const long ImageSize = 8L * TestImages.MiB + 4096;

    private ClusterNode HostA => fixture.Bed.Nodes[0];

    private ClusterNode HostB => fixture.Bed.Nodes[1];

    private ClusterNode HostC => fixture.Bed.Nodes[2];

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Copies2_CopiesToTheBusiestMember_AndTheOtherReadsThroughIt_WithTheOriginsBytes()
    {
        var content = await OriginImageAsync("copies-base");
        var notes = new List<ProgressNote>();

        var result = await Images().PrepareAsync(Request("copies:2", "copies-base", new() { ["host-a"] = 4, ["host-b"] = 3, ["host-c"] = 2 }), new CollectingProgress<ProgressNote>(notes), CancellationToken.None);

        Assert.Equal("copies:2", result.Scheme);
        Assert.Equal(["host-a real", "host-b copy", "host-c upstream"], result.Hosts.Select(h => $"{h.Host} {h.Kind}"));
        var b = await ImageOnAsync(HostB, "copies-base");
        var c = await ImageOnAsync(HostC, "copies-base");
        Assert.Equal(("file", true, ImageSize), (b.Kind, b.Complete, b.Size));
        Assert.Equal("pseudo", c.Kind);
        Assert.Contains($"//{HostB.Address}", c.Upstreams[0], StringComparison.Ordinal);
        Assert.Contains(HostA.Address, c.Upstreams[1], StringComparison.Ordinal);
        Assert.Equal(content, await ReadAllAsync(b));
        Assert.Equal(content, await ReadAllAsync(c));
        Assert.Contains(notes, n => n.Operation == "deploy.images" && n.Stage == "plan");
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Pseudo2_MakesOnePseudoImageBesidesTheOrigin_ThatStartsEmptyAndFetchesOnlyWhatIsRead()
    {
        var content = await OriginImageAsync("pseudo-base");

        var result = await Images().PrepareAsync(Request("pseudo:2", "pseudo-base", new() { ["host-b"] = 2, ["host-c"] = 1 }), null, CancellationToken.None);

        // K counts the origin's real image: host-b holds the one pseudo image, host-c (fewer clones) reads the origin.
        Assert.Equal(["host-b pseudo", "host-c upstream"], result.Hosts.Select(h => $"{h.Host} {h.Kind}"));
        var b = await ImageOnAsync(HostB, "pseudo-base");
        Assert.Equal(("pseudo", 0L), (b.Kind, b.PresentBytes));
        await using (var client = await NbdClient.ConnectAsync(NbdUri.Parse(b.LocalUri!)))
        {
            var first = new byte[4096];
            await client.ReadAsync(0, first, CancellationToken.None);
            Assert.Equal(content.AsSpan(0, 4096).ToArray(), first);
        }

        var after = await ImageOnAsync(HostB, "pseudo-base");
        Assert.InRange(after.PresentBytes, 1, ImageSize - 1);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Shared_RerunKeepsWhatHostsHave_AndMakesNothingAgain()
    {
        await OriginImageAsync("shared-base");
        var request = Request("shared", "shared-base", new() { ["host-a"] = 2, ["host-b"] = 2, ["host-c"] = 2 });
        var first = await Images().PrepareAsync(request, null, CancellationToken.None);

        var second = await Images().PrepareAsync(request, null, CancellationToken.None);

        Assert.Equal(["host-a real", "host-b upstream", "host-c upstream"], first.Hosts.Select(h => $"{h.Host} {h.Kind}"));
        Assert.Equal(first.Hosts.Select(h => (h.Host, h.Kind)), second.Hosts.Select(h => (h.Host, h.Kind)));
        Assert.All(second.Hosts, h => Assert.Equal(0, h.Seconds));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Auto_ResolvesToAConcreteScheme_WithThePlannersReason()
    {
        await OriginImageAsync("auto-base");

        var result = await Images().PrepareAsync(Request("auto", "auto-base", new() { ["host-b"] = 2, ["host-c"] = 2 }), null, CancellationToken.None);

        Assert.NotEqual("auto", result.Scheme);
        Assert.StartsWith("planner:", result.Reason, StringComparison.Ordinal);
        Assert.Equal(["host-b", "host-c"], result.Hosts.Select(h => h.Host).Order(StringComparer.Ordinal));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task AnImageTheOriginDoesNotServe_IsRefusedNamingIt_AndNothingIsMade()
    {
        var refused = await Assert.ThrowsAsync<ClusterRequestException>(() =>
            Images().PrepareAsync(Request("copies:3", "never-added", new() { ["host-b"] = 1, ["host-c"] = 1 }), null, CancellationToken.None));

        Assert.Contains("never-added", refused.Message, StringComparison.Ordinal);
        Assert.Contains("host-a", refused.Message, StringComparison.Ordinal);
        Assert.Null(await FindImageAsync(HostB, "never-added"));
        Assert.Null(await FindImageAsync(HostC, "never-added"));
    }

    private static DeploymentImages Images() => new(Options.Create(new ClusterOptions()), NullLogger<DeploymentImages>.Instance);

    private DeploymentImagesRequest Request(string scheme, string image, Dictionary<string, int> clones) => new()
    {
        Scheme = scheme,
        Image = image,
        Origin = HostA.Name,
        ClonesPerHost = clones,
        Call = CallThroughManagerAsync,
    };

    /// <summary>The HostCall of the seam: cluster.invoke on the manager's control socket (remote control, issue 14 §4).</summary>
    private async Task<JsonElement> CallThroughManagerAsync(string host, string method, object? parameters, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        await using var peer = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(HostA.SocketPath), cancellationToken: cancellationToken);
        var request = new ClusterInvokeRequest
        {
            Host = host,
            Method = method,
            Params = parameters is null ? null : JsonSerializer.SerializeToElement(parameters, parameters.GetType(), JsonRpcWire.SerializerOptions),
        };
        return await peer.InvokeAsync<JsonElement>(RemoteControlMethods.Invoke, request, cancellationToken);
    }

    private async Task<byte[]> OriginImageAsync(string name)
    {
        var file = Path.Combine(HostA.Directory.Path, name + ".raw");
        var content = TestImages.CreateSparse(file, ImageSize);
        await HostA.CliJsonAsync("image", "add", name, "--file", file);
        return content;
    }

    private static async Task<ImageInfo> ImageOnAsync(ClusterNode node, string name)
        => await FindImageAsync(node, name) ?? throw new Xunit.Sdk.XunitException($"{node.Name} serves no image {name}");

    private static async Task<ImageInfo?> FindImageAsync(ClusterNode node, string name)
    {
        var list = JsonSerializer.Deserialize<ImageInfo[]>(await node.CliJsonAsync("image", "list"), JsonRpcWire.SerializerOptions)!;
        return list.FirstOrDefault(i => i.Name == name);
    }

    private static async Task<byte[]> ReadAllAsync(ImageInfo image)
    {
        await using var client = await NbdClient.ConnectAsync(NbdUri.Parse(image.LocalUri!));
        var all = new byte[ImageSize];
        for (long at = 0; at < ImageSize; at += TestImages.MiB)
        {
            await client.ReadAsync(at, all.AsMemory((int)at, (int)Math.Min(TestImages.MiB, ImageSize - at)), CancellationToken.None);
        }

        return all;
    }
}
