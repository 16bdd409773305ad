using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Client;

/// <summary>The NBD client against two independent real servers (qemu-nbd and nbdkit), on unix sockets and TCP.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdClientTests
{
    private const long ImageSize = (24L * TestImages.MiB) + (25 * 512); // qemu-nbd rounds sizes to sectors
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string, bool> Servers => new()
    {
        { NbdPeerServer.QemuNbd, true },
        { NbdPeerServer.QemuNbd, false },
        { NbdPeerServer.Nbdkit, true },
        { NbdPeerServer.Nbdkit, false },
    };

    [ToolTheory(NbdPeerServer.QemuNbd, NbdPeerServer.Nbdkit)]
    [MemberData(nameof(Servers))]
    public async Task Reads_OfManySizesAndOffsets_EqualTheFile(string tool, bool unix)
    {
        using var dir = new TempDirectory("nbdclient");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), ImageSize);
        await using var server = await NbdPeerServer.StartAsync(tool, dir.Combine("image.raw"), unix ? dir.Combine("nbd.sock") : null);
        await using var client = await NbdClient.ConnectAsync(server.Uri, new NbdClientOptions { MaxRequestBytes = 256 * 1024 });
        Assert.Equal(ImageSize, client.Size);
        Assert.True(client.StructuredReplies);
        Assert.True(client.NegotiatedWithGo);
        Assert.NotEqual(NbdTransmissionFlags.None, client.TransmissionFlags & NbdTransmissionFlags.ReadOnly);

        var random = new Random(7);
        int[] sizes = [1, 2, 511, 512, 513, 4096, 65537, TestImages.MiB + 3, (5 * TestImages.MiB) + 1];
        var reads = new List<Task>();
        foreach (var size in sizes)
        {
            for (var i = 0; i < 8; i++)
            {
                var offset = i == 0 ? ImageSize - size : random.NextInt64(0, ImageSize - size);
                reads.Add(ReadAndCompareAsync(client, content, offset, size));
            }
        }

        await Task.WhenAll(reads).WaitAsync(s_timeout);

        // The whole image through one connection, many requests in flight.
        var whole = new byte[ImageSize];
        await client.ReadAsync(0, whole, CancellationToken.None).AsTask().WaitAsync(s_timeout);
        Assert.True(content.AsSpan().SequenceEqual(whole));
    }

    [ToolTheory(NbdPeerServer.QemuNbd, NbdPeerServer.Nbdkit)]
    [MemberData(nameof(Servers))]
    public async Task ReadPastTheEnd_FailsWithInval_AndTheConnectionStaysUsable(string tool, bool unix)
    {
        using var dir = new TempDirectory("nbdclient");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), ImageSize);
        await using var server = await NbdPeerServer.StartAsync(tool, dir.Combine("image.raw"), unix ? dir.Combine("nbd.sock") : null);
        await using var client = await NbdClient.ConnectAsync(server.Uri);

        var ex = await Assert.ThrowsAsync<NbdErrorException>(async () => await client.ReadAsync(ImageSize - 10, new byte[4096], CancellationToken.None));
        Assert.Equal(NbdError.Inval, ex.Error);
        await ReadAndCompareAsync(client, content, ImageSize - 4096, 4096);
    }

    [ToolTheory(NbdPeerServer.QemuNbd, NbdPeerServer.Nbdkit)]
    [InlineData(NbdPeerServer.QemuNbd)]
    [InlineData(NbdPeerServer.Nbdkit)]
    public async Task BlockStatus_ReportsTheFilesHolesAndData(string tool)
    {
        using var dir = new TempDirectory("nbdclient");
        TestImages.CreateSparse(dir.Combine("image.raw"), 8L * TestImages.MiB);
        await using var server = await NbdPeerServer.StartAsync(tool, dir.Combine("image.raw"), dir.Combine("nbd.sock"));
        await using var client = await NbdClient.ConnectAsync(server.Uri);
        Assert.True(client.BlockStatusAvailable);

        for (var region = 0; region < 8; region++)
        {
            var extents = await client.GetAllocationAsync(region * (long)TestImages.MiB, TestImages.MiB, CancellationToken.None);
            Assert.NotEmpty(extents);
            Assert.True(extents.Sum(e => e.Length) <= TestImages.MiB);
            var isHole = (extents[0].Flags & NbdExtentFlags.Hole) != 0;
            Assert.Equal(region % 2 == 1, isHole);
        }
    }

    [ToolFact(NbdPeerServer.QemuNbd, NbdPeerServer.Nbdkit)]
    public async Task Writes_ToAWritableExport_ReachTheFile_AndReadOnlyRefusesLocally()
    {
        using var dir = new TempDirectory("nbdclient");
        var path = dir.Combine("image.raw");
        TestImages.CreateSparse(path, 4L * TestImages.MiB);
        var data = new byte[(3 * TestImages.MiB) + 7];
        new Random(3).NextBytes(data);
        await using (var writable = await NbdPeerServer.StartWritableQemuNbdAsync(path, dir.Combine("rw.sock")))
        {
            await using var client = await NbdClient.ConnectAsync(writable.Uri, new NbdClientOptions { MaxRequestBytes = 512 * 1024 });
            await client.WriteAsync(100, data, forceUnitAccess: true, CancellationToken.None);
            await client.FlushAsync(CancellationToken.None);
        }

        Assert.True(File.ReadAllBytes(path).AsSpan(100, data.Length).SequenceEqual(data));

        await using var server = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, path, dir.Combine("ro.sock"));
        await using var readOnly = await NbdClient.ConnectAsync(server.Uri);
        var ex = await Assert.ThrowsAsync<NbdErrorException>(async () => await readOnly.WriteAsync(0, data, false, CancellationToken.None));
        Assert.Equal(NbdError.Perm, ex.Error);
    }

    [ToolFact(NbdPeerServer.Nbdkit)]
    public async Task ServerKilledMidRead_FailsEveryPendingRequestWithIOException()
    {
        using var dir = new TempDirectory("nbdclient");
        TestImages.CreateSparse(dir.Combine("image.raw"), 8L * TestImages.MiB);

        // The delay filter keeps every read on the wire long enough to kill the server under it.
        await using var server = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, dir.Combine("image.raw"), dir.Combine("nbd.sock"), "--filter=delay", "rdelay=5");
        await using var client = await NbdClient.ConnectAsync(server.Uri);
        var reads = Enumerable.Range(0, 16).Select(i => client.ReadAsync(i * 65536L, new byte[65536], CancellationToken.None).AsTask()).ToList();
        await Poll.UntilAsync(() => client.PendingRequests == 16, s_timeout, "16 requests in flight");
        await server.KillAsync();

        foreach (var read in reads)
        {
            var ex = await Assert.ThrowsAnyAsync<IOException>(() => read.WaitAsync(s_timeout));
            Assert.IsNotType<NbdProtocolException>(ex);
        }

        await Assert.ThrowsAnyAsync<IOException>(async () => await client.ReadAsync(0, new byte[512], CancellationToken.None));
    }

    [ToolFact(NbdPeerServer.Nbdkit)]
    public async Task CancelledRead_ReturnsAtOnce_AndItsLateReplyIsDrainedWithoutHarm()
    {
        using var dir = new TempDirectory("nbdclient");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), 4L * TestImages.MiB);
        await using var server = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, dir.Combine("image.raw"), dir.Combine("nbd.sock"), "--filter=delay", "rdelay=1");
        await using var client = await NbdClient.ConnectAsync(server.Uri);
        var abandoned = new byte[TestImages.MiB];
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReadAsync(0, abandoned, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(0.9), $"cancellation took {clock.Elapsed}");

        // The late reply's data goes nowhere near the abandoned buffer, and the connection carries on.
        await ReadAndCompareAsync(client, content, TestImages.MiB, 4096);
        Assert.All(abandoned, b => Assert.Equal(0, b));
        Assert.Equal(0, client.PendingRequests);
    }

    [Fact]
    public async Task GarbageServer_FailsTheConnectWithNbdProtocolException()
    {
        using var dir = new TempDirectory("nbdclient");
        var random = new Random(11);
        var nonsense = new byte[4096];
        random.NextBytes(nonsense);
        await AssertConnectFailsAsync(dir.Combine("garbage.sock"), nonsense, "bad greeting magic");

        // A valid greeting, then an option reply that claims 2 GiB: refused before allocating it.
        var oversized = new byte[18 + 20];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(oversized, NbdMagic.InitPassword);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(oversized.AsSpan(8), NbdMagic.IHaveOpt);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(oversized.AsSpan(16), (ushort)(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(oversized.AsSpan(18), NbdMagic.OptionReply);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(oversized.AsSpan(26), (uint)NbdOption.StructuredReply);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(oversized.AsSpan(30), (uint)NbdOptionReplyType.Ack);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(oversized.AsSpan(34), 0x8000_0000);
        await AssertConnectFailsAsync(dir.Combine("oversized.sock"), oversized, "exceeds");
    }

    private static async Task AssertConnectFailsAsync(string socketPath, byte[] script, string reason)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        var serve = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            await peer.SendAsync(script);
            var sink = new byte[4096];
            while (await peer.ReceiveAsync(sink) > 0)
            {
            }
        });
        var ex = await Assert.ThrowsAsync<NbdProtocolException>(() => NbdClient.ConnectAsync(NbdUri.ForUnix(socketPath, "x")).WaitAsync(s_timeout));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        await serve.WaitAsync(s_timeout);
    }

    internal static Task ReadAndCompareAsync(IBlockSource source, byte[] content, long offset, int size)
        => ReadAndCompareAsync(source.ReadAsync, content, offset, size);

    internal static Task ReadAndCompareAsync(INbdExport export, byte[] content, long offset, int size)
        => ReadAndCompareAsync(export.ReadAsync, content, offset, size);

    private static async Task ReadAndCompareAsync(Func<long, Memory<byte>, CancellationToken, ValueTask> read, byte[] content, long offset, int size)
    {
        var buffer = new byte[size];
        await read(offset, buffer, CancellationToken.None);
        Assert.True(content.AsSpan((int)offset, size).SequenceEqual(buffer), $"bytes differ at {offset}+{size}");
    }
}
