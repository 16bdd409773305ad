using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>A peer that lies in its frames or its offer: the receiver refuses before allocating or writing anything.</summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ShippingBoundsTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    public enum Lie
    {
        HugeOfferFrame,
        UnknownFrame,
        PathInAFileName,
        ChunkSizeOutOfBounds,
        IdNotTheManifestHash,
        TooManyChunks,
        RouteToAHostThatDoesNotForward,
    }

    [Theory]
    [InlineData(Lie.HugeOfferFrame)]
    [InlineData(Lie.UnknownFrame)]
    [InlineData(Lie.PathInAFileName)]
    [InlineData(Lie.ChunkSizeOutOfBounds)]
    [InlineData(Lie.IdNotTheManifestHash)]
    [InlineData(Lie.TooManyChunks)]
    [InlineData(Lie.RouteToAHostThatDoesNotForward)]
    public async Task APeerThatLies_IsRefused_AndNothingIsWritten(Lie lie)
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", 64 << 10);
        var host = bed.AddHost("r0", forwards: lie != Lie.RouteToAHostThatDoesNotForward);
        var honest = await TransferManifest.CreateAsync(source, ShippingBed.ChunkBytes, CancellationToken.None);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, host.Port);
        await using var stream = new NetworkStream(socket);

        byte[] frame = lie switch
        {
            Lie.HugeOfferFrame => [(byte)FrameType.Offer, 0xff, 0xff, 0xff, 0xff],
            Lie.UnknownFrame => [0x47, 0x45, 0x54, 0x20, 0x2f],
            _ => Frame(lie switch
            {
                Lie.PathInAFileName => Rename(honest, "../../escaped"),
                Lie.ChunkSizeOutOfBounds => honest with { ChunkBytes = 1 << 30 },
                Lie.IdNotTheManifestHash => honest with { BundleId = new string('a', 64) },
                Lie.TooManyChunks => honest with { Files = [.. honest.Files.Select(f => f with { Chunks = [.. Enumerable.Repeat(f.Chunks[0], ShippingLimits.MaxChunks + 1)] })] },
                _ => honest,
            }, lie == Lie.RouteToAHostThatDoesNotForward ? ["r1"] : []),
        };
        try
        {
            await stream.WriteAsync(frame);
        }
        catch (IOException)
        {
            // The receiver may refuse and close before the test finished writing (a frame over its bound).
        }

        var outcome = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's answer"));
        Assert.Equal(lie == Lie.RouteToAHostThatDoesNotForward ? ShippingProblem.Unsupported : ShippingProblem.Protocol, outcome.Problem);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Cache.Root));
        Assert.False(File.Exists(bed.Combine("escaped")));
    }

    private static TransferManifest Rename(TransferManifest manifest, string name)
    {
        var parsed = JsonSerializer.Deserialize<BundleManifest>(manifest.ManifestJson, BundleJson.Options)!;
        var json = JsonSerializer.SerializeToUtf8Bytes(parsed with { Parts = [.. parsed.Parts.Select((p, i) => i == 1 ? p with { File = name } : p)] }, BundleJson.Options);
        return manifest with
        {
            ManifestJson = json,
            BundleId = TransferManifest.IdOf(json),
            Files = [.. manifest.Files.Select((f, i) => i == 1 ? f with { Name = name } : f)],
        };
    }

    private static byte[] Frame(TransferManifest manifest, string[] route) => ShippingBed.OfferFrame(FrameType.Offer, new TransferOffer { Manifest = manifest, Route = route });
}
