using System.Buffers.Binary;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Client;

/// <summary>
/// The client against a scripted old-fashioned server (raw socket, no GO, no structured replies): it must fall
/// back to NBD_OPT_EXPORT_NAME and read simple replies. No Debian server can be told to refuse GO, hence the script.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdClientFallbackTests
{
    private const long ExportSize = 1 << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ServerWithoutGo_IsReachedThroughExportName_AndSimpleRepliesCarryTheData()
    {
        using var dir = new TempDirectory("nbdfallback");
        var socketPath = dir.Combine("old.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        var seenOptions = new List<NbdOption>();
        var server = Task.Run(() => ServeOldStyleAsync(listener, seenOptions, garbage: false));

        await using (var client = await NbdClient.ConnectAsync(NbdUri.ForUnix(socketPath, "old")).WaitAsync(s_timeout))
        {
            Assert.False(client.NegotiatedWithGo);
            Assert.False(client.StructuredReplies);
            Assert.False(client.BlockStatusAvailable);
            Assert.Equal(ExportSize, client.Size);
            var data = new byte[3000];
            await client.ReadAsync(4096, data, CancellationToken.None).AsTask().WaitAsync(s_timeout);
            Assert.All(Enumerable.Range(0, data.Length), i => Assert.Equal(Pattern(4096 + i), data[i]));
            var extents = await client.GetAllocationAsync(0, 8192, CancellationToken.None);
            Assert.Equal([new NbdExtent(8192, NbdExtentFlags.Data)], extents);
        }

        await server.WaitAsync(s_timeout);
        Assert.Equal([NbdOption.StructuredReply, NbdOption.Go, NbdOption.ExportName], seenOptions);
    }

    [Fact]
    public async Task GarbageReplyInTransmission_FailsThePendingReadWithNbdProtocolException_AndClosesTheConnection()
    {
        using var dir = new TempDirectory("nbdfallback");
        var socketPath = dir.Combine("garbage.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        var server = Task.Run(() => ServeOldStyleAsync(listener, [], garbage: true));

        await using var client = await NbdClient.ConnectAsync(NbdUri.ForUnix(socketPath, "old")).WaitAsync(s_timeout);
        var ex = await Assert.ThrowsAsync<NbdProtocolException>(async () => await client.ReadAsync(0, new byte[512], CancellationToken.None).AsTask().WaitAsync(s_timeout));
        Assert.Contains("bad reply magic", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<IOException>(async () => await client.ReadAsync(0, new byte[512], CancellationToken.None));
        await Assert.ThrowsAnyAsync<IOException>(() => server.WaitAsync(s_timeout));
    }

    private static byte Pattern(long offset) => (byte)(offset * 7 % 251);

    /// <summary>Handshake without NO_ZEROES; ERR_UNSUP to everything but EXPORT_NAME; then simple replies (or, with
    /// <paramref name="garbage"/>, replies with a bad magic) until DISC.</summary>
    private static async Task ServeOldStyleAsync(Socket listener, List<NbdOption> seenOptions, bool garbage)
    {
        using var peer = await listener.AcceptAsync();
        await using var stream = new NetworkStream(peer);
        var greeting = new byte[18];
        BinaryPrimitives.WriteUInt64BigEndian(greeting, NbdMagic.InitPassword);
        BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(8), NbdMagic.IHaveOpt);
        BinaryPrimitives.WriteUInt16BigEndian(greeting.AsSpan(16), (ushort)NbdHandshakeFlags.FixedNewstyle);
        await stream.WriteAsync(greeting);
        var clientFlags = new byte[4];
        await stream.ReadExactlyAsync(clientFlags);
        Assert.Equal((uint)NbdClientFlags.FixedNewstyle, BinaryPrimitives.ReadUInt32BigEndian(clientFlags));

        while (true)
        {
            var header = new byte[16];
            await stream.ReadExactlyAsync(header);
            var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var data = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12))];
            await stream.ReadExactlyAsync(data);
            seenOptions.Add(option);
            if (option == NbdOption.ExportName)
            {
                var reply = new byte[8 + 2 + 124];
                BinaryPrimitives.WriteUInt64BigEndian(reply, ExportSize);
                BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(8), (ushort)(NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.ReadOnly));
                await stream.WriteAsync(reply);
                break;
            }

            var unsupported = new byte[20];
            BinaryPrimitives.WriteUInt64BigEndian(unsupported, NbdMagic.OptionReply);
            BinaryPrimitives.WriteUInt32BigEndian(unsupported.AsSpan(8), (uint)option);
            BinaryPrimitives.WriteUInt32BigEndian(unsupported.AsSpan(12), (uint)NbdOptionReplyType.ErrUnsup);
            await stream.WriteAsync(unsupported);
        }

        while (true)
        {
            var request = new byte[28];
            await stream.ReadExactlyAsync(request);
            var command = (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(6));
            if (command == NbdCommand.Disconnect)
            {
                return;
            }

            var offset = (long)BinaryPrimitives.ReadUInt64BigEndian(request.AsSpan(16));
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(24));
            var reply = new byte[16 + length];
            BinaryPrimitives.WriteUInt32BigEndian(reply, garbage ? 0xdeadbeef : NbdMagic.SimpleReply);
            request.AsSpan(8, 8).CopyTo(reply.AsSpan(8));
            for (var i = 0; i < length; i++)
            {
                reply[16 + i] = Pattern(offset + i);
            }

            await stream.WriteAsync(reply);
        }
    }
}
