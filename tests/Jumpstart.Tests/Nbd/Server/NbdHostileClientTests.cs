using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// Clients that break the protocol, lie about lengths, or vanish mid-message: each is answered with the specified
/// error or dropped, and after it the server still serves a well-behaved client correct bytes.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdHostileClientTests
{
    private const uint UnknownOption = 0x1234;

    [Fact]
    public async Task BadOptionMagic_DropsTheConnection()
    {
        await using var server = NbdTestServer.Start();
        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.ReadGreetingAsync();
            await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
            await client.SendOptionAsync((uint)NbdOption.Go, RawNbdClient.GoData(NbdTestServer.ExportName), magic: 0xdeadbeefcafef00d);
            Assert.True(await client.IsClosedByServerAsync());
        }

        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task UnknownClientFlags_DropTheConnectionBeforeAnyOption()
    {
        await using var server = NbdTestServer.Start();
        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            var flags = await client.ReadGreetingAsync();
            Assert.Equal(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes, flags);
            await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle | (1u << 7));
            Assert.True(await client.IsClosedByServerAsync());
        }

        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task UnsupportedOptions_AreAnsweredErrUnsupAndGoStillWorksOnTheSameConnection()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
        foreach (var option in new[] { (uint)NbdOption.StartTls, (uint)NbdOption.ExtendedHeaders, (uint)NbdOption.PeekExport, UnknownOption })
        {
            await client.SendOptionAsync(option, option == UnknownOption ? new byte[300] : []);
            var (replyTo, type, _) = await client.ReadOptionReplyAsync();
            Assert.Equal(option, replyTo);
            Assert.Equal(NbdOptionReplyType.ErrUnsup, type);
        }

        // SET_META_CONTEXT before STRUCTURED_REPLY is invalid (proto.md), not unsupported.
        await client.SendOptionAsync((uint)NbdOption.SetMetaContext, RawNbdClient.MetaContextData(NbdTestServer.ExportName, "base:allocation"));
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await client.ReadOptionReplyAsync()).Type);

        var (size, flags) = await client.GoAsync(NbdTestServer.ExportName);
        Assert.Equal(TestImage.Size, size);
        Assert.True(flags.HasFlag(NbdTransmissionFlags.ReadOnly | NbdTransmissionFlags.CanMultiConn));
        Assert.False(flags.HasFlag(NbdTransmissionFlags.SendDf), "DF is only advertised with structured replies");
        Assert.Equal(await ExpectedAsync(server, TestImage.PatternStart - 100, 4096), await client.ReadBlockAsync(TestImage.PatternStart - 100, 4096));
    }

    [Fact]
    public async Task OversizedOptionLength_IsAnsweredTooBigWhenSkippableAndDroppedWhenNot()
    {
        await using var server = NbdTestServer.Start();
        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.ReadGreetingAsync();
            await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
            await client.SendOptionAsync((uint)NbdOption.Go, new byte[NbdLimits.MaxOptionLength + 1]);
            Assert.Equal(NbdOptionReplyType.ErrTooBig, (await client.ReadOptionReplyAsync()).Type);
            Assert.Equal(TestImage.Size, (await client.GoAsync(NbdTestServer.ExportName)).Size);
        }

        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.ReadGreetingAsync();
            await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
            await client.SendOptionAsync((uint)NbdOption.Go, new byte[16], length: uint.MaxValue);
            Assert.True(await client.IsClosedByServerAsync());
        }

        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task BadRequests_GetTheirErrorsAndTheConnectionStaysUsable()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        (NbdCommand Command, ulong Offset, uint Length, NbdError Expected)[] cases =
        [
            (NbdCommand.Read, (ulong)TestImage.Size - 10, 11, NbdError.Inval),
            (NbdCommand.Read, ulong.MaxValue - 5, 10, NbdError.Inval),
            (NbdCommand.Read, 0, NbdLimits.MaxPayloadLength + 1, NbdError.Inval),
            (NbdCommand.Cache, (ulong)TestImage.Size, 1, NbdError.Inval),
            ((NbdCommand)99, 0, 512, NbdError.Inval),
            (NbdCommand.Trim, 0, 512, NbdError.NotSup),
            (NbdCommand.BlockStatus, 0, 512, NbdError.Inval), // base:allocation was not negotiated
        ];
        ulong cookie = 1000;
        foreach (var (command, offset, length, expected) in cases)
        {
            await client.SendRequestAsync(command, ++cookie, offset, length);
            var (error, replyCookie, _) = await client.ReadSimpleReplyAsync();
            Assert.Equal((expected, cookie), (error, replyCookie));
        }

        // A write to a read-only export is refused, but its payload is consumed: the next request parses.
        await client.SendRequestAsync(NbdCommand.Write, 7, 0, 4096, new byte[4096]);
        Assert.Equal(NbdError.Perm, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(await ExpectedAsync(server, TestImage.Size - 1, 1), await client.ReadBlockAsync(TestImage.Size - 1, 1));
    }

    [Fact]
    public async Task OversizedWriteOrBadRequestMagic_DropTheConnection()
    {
        await using var server = NbdTestServer.Start(writable: true);
        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.HandshakeAsync(NbdTestServer.ExportName);
            await client.SendRequestAsync(NbdCommand.Write, 1, 0, uint.MaxValue);
            Assert.True(await client.IsClosedByServerAsync());
        }

        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.HandshakeAsync(NbdTestServer.ExportName);
            await client.SendRequestAsync(NbdCommand.Read, 1, 0, 512, magic: NbdMagic.ExtendedRequest);
            Assert.True(await client.IsClosedByServerAsync());
        }

        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task WritePastTheEnd_IsNoSpcAndTheFileIsUnchanged()
    {
        await using var server = NbdTestServer.Start(writable: true);
        var before = await File.ReadAllBytesAsync(server.ImagePath);
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        await client.SendRequestAsync(NbdCommand.Write, 5, (ulong)TestImage.Size - 100, 200, new byte[200]);
        Assert.Equal(NbdError.NoSpc, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(before, await File.ReadAllBytesAsync(server.ImagePath));
    }

    [Fact]
    public async Task DisconnectsMidOptionMidHeaderAndMidPayload_LeaveTheServerServing()
    {
        await using var server = NbdTestServer.Start(writable: true);
        var before = await File.ReadAllBytesAsync(server.ImagePath);

        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.ReadGreetingAsync();
            await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
            await client.SendOptionAsync((uint)NbdOption.Go, [0, 0, 0], length: 64);
            client.Abort();
        }

        await using (var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath))
        {
            await client.HandshakeAsync(NbdTestServer.ExportName);
            await client.SendAsync([0x25, 0x60, 0x95, 0x13, 0, 0, 0, 0, 0, 0]);
            client.Abort();
        }

        await using (var client = await RawNbdClient.ConnectTcpAsync(server.TcpPort))
        {
            await client.HandshakeAsync(NbdTestServer.ExportName);
            await client.SendRequestAsync(NbdCommand.Write, 1, 0, 65536, new byte[100]);
            client.Abort();
        }

        await AssertHealthyAsync(server);
        Assert.Equal(before, await File.ReadAllBytesAsync(server.ImagePath));
    }

    [Fact]
    public async Task ThousandsOfConnectionsOpenedAndDropped_LeaveNoConnectionOrDescriptorBehind()
    {
        const int Connections = 2000;
        await using var server = NbdTestServer.Start();
        var descriptorsBefore = OpenDescriptors();

        // A well-behaved client keeps reading correct bytes while the storm goes on.
        var expected = await ExpectedAsync(server, TestImage.PatternStart - 2048, 8192);
        await using var steady = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await steady.HandshakeAsync(NbdTestServer.ExportName);
        for (var i = 0; i < Connections; i++)
        {
            var client = i % 2 == 0 ? await RawNbdClient.ConnectUnixAsync(server.SocketPath) : await RawNbdClient.ConnectTcpAsync(server.TcpPort);
            await using (client)
            {
                switch (i % 4)
                {
                    case 0:
                        break; // connect and go
                    case 1:
                        await client.ReadGreetingAsync();
                        break;
                    case 2:
                        await client.HandshakeAsync(NbdTestServer.ExportName);
                        await client.SendRequestAsync(NbdCommand.Read, 1, 0, 1 << 20);
                        break; // reply unread
                    default:
                        await client.ReadGreetingAsync();
                        await client.SendClientFlagsAsync((uint)NbdClientFlags.FixedNewstyle);
                        break;
                }

                client.Abort();
            }

            if (i % 250 == 0)
            {
                Assert.Equal(expected, await steady.ReadBlockAsync(TestImage.PatternStart - 2048, 8192));
            }
        }

        await steady.DisposeAsync();
        await Poll.UntilAsync(() => server.Unix.ConnectionCount + server.Tcp.ConnectionCount == 0, RawNbdClient.Timeout, "every connection closed");
        Assert.Equal(0, server.Exports.StatisticsOf(NbdTestServer.ExportName)!.Connections);

        // Other tests run in parallel in this process: allow some slack, far below one descriptor per connection.
        const int Slack = 64;
        Assert.InRange(OpenDescriptors(), 0, descriptorsBefore + Slack);
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task ManyPipelinedReads_GetWholeUninterleavedRepliesAndDiscWaitsForThem()
    {
        const int Requests = 200;
        const int Length = 65536 + 13;
        await using var server = NbdTestServer.Start();
        var image = await File.ReadAllBytesAsync(server.ImagePath);
        await using var client = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        var offsets = Enumerable.Range(0, Requests).Select(i => (long)i * 77_777 % (TestImage.Size - Length)).ToArray();
        for (var i = 0; i < Requests; i++)
        {
            await client.SendRequestAsync(NbdCommand.Read, (ulong)i, (ulong)offsets[i], Length);
        }

        // DISC right behind them: every reply must still arrive, then the server closes.
        await client.SendRequestAsync(NbdCommand.Disconnect, 0, 0, 0);
        var seen = new HashSet<ulong>();
        for (var i = 0; i < Requests; i++)
        {
            var (error, cookie, data) = await client.ReadSimpleReplyAsync(Length);
            Assert.Equal(NbdError.None, error);
            Assert.True(seen.Add(cookie));
            Assert.Equal(image.AsSpan((int)offsets[cookie], Length).ToArray(), data);
        }

        Assert.True(await client.IsClosedByServerAsync());
    }

    /// <summary>A fresh client handshakes and reads the pattern region's edges correctly on both transports.</summary>
    internal static async Task AssertHealthyAsync(NbdTestServer server)
    {
        var offset = TestImage.PatternStart - 700;
        var expected = await ExpectedAsync(server, offset, 5000);
        await using var unix = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        Assert.Equal(TestImage.Size, await unix.HandshakeAsync(NbdTestServer.ExportName));
        Assert.Equal(expected, await unix.ReadBlockAsync(offset, 5000));
        await using var tcp = await RawNbdClient.ConnectTcpAsync(server.TcpPort);
        Assert.Equal(TestImage.Size, await tcp.HandshakeAsync(NbdTestServer.ExportName));
        Assert.Equal(expected, await tcp.ReadBlockAsync(offset, 5000));
    }

    private static async Task<byte[]> ExpectedAsync(NbdTestServer server, long offset, int length)
    {
        await using var file = File.OpenRead(server.ImagePath);
        file.Position = offset;
        var bytes = new byte[length];
        await file.ReadExactlyAsync(bytes);
        return bytes;
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
