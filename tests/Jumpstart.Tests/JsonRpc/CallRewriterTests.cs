using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>
/// <see cref="JsonRpcPeer.CallRewriter"/> with the CLI's <c>--host</c> rewriter: every call goes out as
/// <c>cluster.invoke</c> carrying the original method and params exactly as they would have been written, and the
/// answer is read as the original result type.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class CallRewriterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Invoke_WithTheHostRewriter_SendsClusterInvokeWithTheOriginalCall_AndReadsItsResult()
    {
        var relay = new RecordingRelay();
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(relay), c => c.CallRewriter = new ClusterInvokeRewriter("host-b"));

        var info = await pair.Client.InvokeAsync<ImageInfo>(HostMethods.ImageStats, new NameRequest { Name = "base" }).WaitAsync(s_timeout);
        var list = await pair.Client.InvokeAsync<VmInfo[]>(HostMethods.VmList).WaitAsync(s_timeout);
        await pair.Client.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_timeout);

        Assert.Equal(("base", 7), (info.Name, info.Size));
        Assert.Empty(list);
        Assert.Equal(3, relay.Seen.Count);
        Assert.All(relay.Seen, r => Assert.Equal("host-b", r.Host));
        Assert.Equal([HostMethods.ImageStats, HostMethods.VmList, "Add"], relay.Seen.Select(r => r.Method));
        Assert.Equal("""{"name":"base"}""", relay.Seen[0].Params!.Value.GetRawText());
        Assert.Null(relay.Seen[1].Params);
        Assert.Equal("[2,3]", relay.Seen[2].Params!.Value.GetRawText());
    }

    [Fact]
    public async Task Invoke_WithTheHostRewriter_AnErrorAnswerKeepsItsCodeMessageAndData()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new RecordingRelay()), c => c.CallRewriter = new ClusterInvokeRewriter("host-b"));

        var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync<ImageInfo>("fail", new NameRequest { Name = "x" }).WaitAsync(s_timeout));

        Assert.Equal((HostErrorCodes.NotFound, "no image x"), (refused.ErrorCode, refused.Message));
        Assert.Equal("""{"name":"x"}""", ((JsonElement)refused.ErrorData!).GetRawText());
    }

    private sealed class RecordingRelay
    {
        public List<ClusterInvokeRequest> Seen { get; } = [];

        [JsonRpcMethod(RemoteControlMethods.Invoke, UseSingleObjectParameterDeserialization = true)]
        public JsonElement Invoke(ClusterInvokeRequest request)
        {
            Seen.Add(request);
            return request.Method switch
            {
                HostMethods.ImageStats => JsonSerializer.SerializeToElement(new ImageInfo { Name = "base", Kind = "file", Size = 7 }, JsonRpcWire.SerializerOptions),
                "fail" => throw new LocalRpcException("no image x") { ErrorCode = HostErrorCodes.NotFound, ErrorData = request.Params },
                "Add" => JsonSerializer.SerializeToElement(5),
                _ => JsonSerializer.SerializeToElement(Array.Empty<VmInfo>()),
            };
        }
    }
}
