using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>Handshake and option details at the byte level: EXPORT_NAME padding, ABORT, LIST, limits, lifetime.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdHandshakeTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ExportName_RepliesSizeAndFlags_WithZeroPaddingUnlessNoZeroes(bool noZeroes)
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)(NbdClientFlags.FixedNewstyle | (noZeroes ? NbdClientFlags.NoZeroes : 0)));
        await client.SendOptionAsync((uint)NbdOption.ExportName, Encoding.UTF8.GetBytes(NbdTestServer.ExportName));
        var reply = await client.ReadAsync(10 + (noZeroes ? 0 : NbdLimits.ExportNameZeroPadding));
        Assert.Equal((ulong)TestImage.Size, BinaryPrimitives.ReadUInt64BigEndian(reply));
        var flags = (NbdTransmissionFlags)BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(8));
        Assert.True(flags.HasFlag(NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.ReadOnly | NbdTransmissionFlags.SendFlush));
        Assert.All(reply[10..], b => Assert.Equal(0, b));

        // The next bytes are a reply to our request, so the padding was exactly as long as promised.
        Assert.Equal(await File.ReadAllBytesAsync(server.ImagePath).ContinueWith(t => t.Result[1000..1513]), await client.ReadBlockAsync(1000, 513));
    }

    [Fact]
    public async Task ExportName_ForAnUnknownExport_DropsTheConnection()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
        await client.SendOptionAsync((uint)NbdOption.ExportName, Encoding.UTF8.GetBytes("nope"));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Abort_IsAcknowledgedThenTheServerCloses()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
        await client.SendOptionAsync((uint)NbdOption.Abort, []);
        var (option, type, _) = await client.ReadOptionReplyAsync();
        Assert.Equal(((uint)NbdOption.Abort, NbdOptionReplyType.Ack), (option, type));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task List_WithData_IsInvalid_AndWithoutDataListsServersThenAck()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
        await client.SendOptionAsync((uint)NbdOption.List, [1, 2, 3]);
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await client.ReadOptionReplyAsync()).Type);

        await client.SendOptionAsync((uint)NbdOption.List, []);
        var (_, type, data) = await client.ReadOptionReplyAsync();
        Assert.Equal(NbdOptionReplyType.Server, type);
        var nameLength = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
        Assert.Equal(NbdTestServer.ExportName, Encoding.UTF8.GetString(data, 4, nameLength));
        Assert.Equal("test image", Encoding.UTF8.GetString(data, 4 + nameLength, data.Length - 4 - nameLength));
        Assert.Equal(NbdOptionReplyType.Ack, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task SilentClient_IsDroppedAfterTheHandshakeTimeout()
    {
        await using var server = NbdTestServer.Start(options: new NbdServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task ConnectionsOverTheLimit_AreClosedAtOnce_AndTheOthersKeepWorking()
    {
        await using var server = NbdTestServer.Start(options: new NbdServerOptions { MaxConnections = 2 });
        await using var first = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await using var second = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await first.HandshakeAsync(NbdTestServer.ExportName);
        await second.HandshakeAsync(NbdTestServer.ExportName);
        await using var third = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        Assert.True(await third.IsClosedByServerAsync());
        Assert.Equal(513, (await first.ReadBlockAsync(77, 513)).Length);
    }

    [Fact]
    public async Task DisposingTheServer_ClosesClientsAndRemovesItsSocket_AndAStaleSocketIsReplaced()
    {
        var server = NbdTestServer.Start();
        var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        var socketPath = server.SocketPath;
        var directory = new TempDirectory("nbd-stale");
        var stale = directory.Combine("stale.sock");
        try
        {
            // A live socket is never stolen.
            Assert.Throws<IOException>(() => NbdServer.ListenUnix(socketPath, server.Exports));

            await server.Unix.DisposeAsync();
            Assert.True(await client.IsClosedByServerAsync());
            Assert.False(File.Exists(socketPath));

            // A socket file nobody listens on (a crashed server's) is replaced.
            using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                dead.Bind(new UnixDomainSocketEndPoint(stale));
            }

            await using var replacement = NbdServer.ListenUnix(stale, server.Exports);
            await using var fresh = await RawNbdClient.ConnectUnixAsync(stale);
            Assert.Equal(TestImage.Size, await fresh.HandshakeAsync(NbdTestServer.ExportName));
        }
        finally
        {
            await client.DisposeAsync();
            await server.DisposeAsync();
            directory.Dispose();
        }
    }

    [Fact]
    public async Task HandshakeAndRequestsSentOneByteAtATime_AreParsedAcrossEverySplit()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await client.ReadGreetingAsync();
        var flags = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(flags, (uint)NbdClientFlags.FixedNewstyle);
        var go = RawNbdClient.GoData(NbdTestServer.ExportName);
        var option = new byte[16 + go.Length];
        BinaryPrimitives.WriteUInt64BigEndian(option, NbdMagic.IHaveOpt);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(8), (uint)NbdOption.Go);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(12), (uint)go.Length);
        go.CopyTo(option, 16);
        foreach (var b in flags.Concat(option))
        {
            await client.SendAsync([b]);
        }

        NbdOptionReplyType type;
        do
        {
            type = (await client.ReadOptionReplyAsync()).Type;
        }
        while (type == NbdOptionReplyType.Info);
        Assert.Equal(NbdOptionReplyType.Ack, type);

        var request = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(request, NbdMagic.Request);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), (ushort)NbdCommand.Read);
        BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(8), 42);
        BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(16), (ulong)TestImage.PatternStart);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), 513);
        foreach (var b in request)
        {
            await client.SendAsync([b]);
        }

        var (error, cookie, data) = await client.ReadSimpleReplyAsync(513);
        Assert.Equal((NbdError.None, 42UL), (error, cookie));
        Assert.All(data, b => Assert.Equal(TestImage.PatternByte, b));
    }

    [Fact]
    public async Task MetaContext_IsOnlyActiveForTheExportItWasSetFor_AndUnknownExportsAreRefused()
    {
        await using var server = NbdTestServer.Start();
        var second = server.Directory + "/second.raw";
        await File.WriteAllBytesAsync(second, new byte[8192]);
        using var secondExport = FileExport.Open(second, readOnly: true);
        server.Exports.Add("second", secondExport);

        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)(NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes));
        await client.SendOptionAsync((uint)NbdOption.StructuredReply, []);
        Assert.Equal(NbdOptionReplyType.Ack, (await client.ReadOptionReplyAsync()).Type);

        await client.SendOptionAsync((uint)NbdOption.ListMetaContext, RawNbdClient.MetaContextData("nope", "base:"));
        Assert.Equal(NbdOptionReplyType.ErrUnknown, (await client.ReadOptionReplyAsync()).Type);

        // Unknown contexts are simply not selected; base:allocation is, with a non-zero id.
        await client.SendOptionAsync((uint)NbdOption.SetMetaContext, RawNbdClient.MetaContextData(NbdTestServer.ExportName, "qemu:dirty-bitmap:x", "base:allocation"));
        var (_, type, data) = await client.ReadOptionReplyAsync();
        Assert.Equal(NbdOptionReplyType.MetaContext, type);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(data));
        Assert.Equal("base:allocation", Encoding.UTF8.GetString(data, 4, data.Length - 4));
        Assert.Equal(NbdOptionReplyType.Ack, (await client.ReadOptionReplyAsync()).Type);

        // ... but GO selects another export, so BLOCK_STATUS is not available on it.
        await client.GoAsync("second");
        await client.SendRequestAsync(NbdCommand.BlockStatus, 5, 0, 4096);
        var chunk = await client.ReadAsync(20);
        Assert.Equal(NbdMagic.StructuredReply, BinaryPrimitives.ReadUInt32BigEndian(chunk));
        Assert.Equal((ushort)NbdReplyType.Error, BinaryPrimitives.ReadUInt16BigEndian(chunk.AsSpan(6)));
        Assert.Equal((ushort)NbdReplyFlags.Done, BinaryPrimitives.ReadUInt16BigEndian(chunk.AsSpan(4)));
        var payload = await client.ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(chunk.AsSpan(16)));
        Assert.Equal((uint)NbdError.Inval, BinaryPrimitives.ReadUInt32BigEndian(payload));
        Assert.Equal(payload.Length - 6, BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(4)));
    }
}
