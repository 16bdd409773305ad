using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// A byte-level NBD client for tests: it sends exactly what a test says (including garbage) and decodes replies,
/// so hostile and edge cases can be played against the server.
/// </summary>
public sealed class RawNbdClient : IAsyncDisposable
{
    /// <summary>Every wait on the server is bounded by this.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawNbdClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawNbdClient> ConnectUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Timeout);
        return new RawNbdClient(socket);
    }

    public static async Task<RawNbdClient> ConnectTcpAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
        return new RawNbdClient(socket);
    }

    /// <summary>Reads NBDMAGIC, IHAVEOPT and the handshake flags.</summary>
    public async Task<NbdHandshakeFlags> ReadGreetingAsync()
    {
        var greeting = await ReadAsync(18);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting) != NbdMagic.InitPassword || BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)) != NbdMagic.IHaveOpt)
        {
            throw new InvalidDataException("bad greeting");
        }

        return (NbdHandshakeFlags)BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
    }

    public Task SendClientFlagsAsync(uint flags) => SendAsync(BigEndian32(flags));

    /// <summary>Sends an option header claiming <paramref name="length"/> bytes, then <paramref name="data"/> (which may be shorter).</summary>
    public Task SendOptionAsync(uint option, byte[] data, uint? length = null, ulong magic = NbdMagic.IHaveOpt)
    {
        var message = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, magic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), length ?? (uint)data.Length);
        data.CopyTo(message, 16);
        return SendAsync(message);
    }

    public async Task<(uint Option, NbdOptionReplyType Type, byte[] Data)> ReadOptionReplyAsync()
    {
        var header = await ReadAsync(20);
        if (BinaryPrimitives.ReadUInt64BigEndian(header) != NbdMagic.OptionReply)
        {
            throw new InvalidDataException("bad option reply magic");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        if (length > 1024 * 1024)
        {
            throw new InvalidDataException($"option reply of {length} bytes");
        }

        return (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)), (NbdOptionReplyType)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)), await ReadAsync((int)length));
    }

    /// <summary>The data of NBD_OPT_GO/INFO for <paramref name="name"/> with no information requests.</summary>
    public static byte[] GoData(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[4 + bytes.Length + 2];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)bytes.Length);
        bytes.CopyTo(data, 4);
        return data;
    }

    /// <summary>The data of LIST/SET_META_CONTEXT: export name, then the queries.</summary>
    public static byte[] MetaContextData(string export, params string[] queries)
    {
        var name = Encoding.UTF8.GetBytes(export);
        var encoded = queries.Select(Encoding.UTF8.GetBytes).ToList();
        var data = new byte[4 + name.Length + 4 + encoded.Sum(q => 4 + q.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)name.Length);
        name.CopyTo(data, 4);
        var at = 4 + name.Length;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), (uint)encoded.Count);
        at += 4;
        foreach (var query in encoded)
        {
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), (uint)query.Length);
            query.CopyTo(data, at + 4);
            at += 4 + query.Length;
        }

        return data;
    }

    /// <summary>Sends GO and reads replies up to the final one; returns the export size and flags from INFO_EXPORT.</summary>
    public async Task<(long Size, NbdTransmissionFlags Flags)> GoAsync(string name)
    {
        await SendOptionAsync((uint)NbdOption.Go, GoData(name));
        (long Size, NbdTransmissionFlags Flags) export = default;
        while (true)
        {
            var (_, type, data) = await ReadOptionReplyAsync();
            if (type == NbdOptionReplyType.Ack)
            {
                return export;
            }

            if (type != NbdOptionReplyType.Info)
            {
                throw new InvalidDataException($"GO answered {type}");
            }

            if ((NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(data) == NbdInfoType.Export)
            {
                export = ((long)BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2)), (NbdTransmissionFlags)BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10)));
            }
        }
    }

    /// <summary>Greeting, fixed-newstyle flags, GO: ready for requests (simple replies).</summary>
    public async Task<long> HandshakeAsync(string name)
    {
        await ReadGreetingAsync();
        await SendClientFlagsAsync((uint)(NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes));
        return (await GoAsync(name)).Size;
    }

    public Task SendRequestAsync(NbdCommand command, ulong cookie, ulong offset, uint length, byte[]? payload = null, NbdCommandFlags flags = NbdCommandFlags.None, uint magic = NbdMagic.Request)
    {
        var message = new byte[28 + (payload?.Length ?? 0)];
        BinaryPrimitives.WriteUInt32BigEndian(message, magic);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), (ushort)command);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(24), length);
        payload?.CopyTo(message, 28);
        return SendAsync(message);
    }

    /// <summary>Reads a simple reply header (and <paramref name="dataLength"/> bytes of data when it succeeded).</summary>
    public async Task<(NbdError Error, ulong Cookie, byte[] Data)> ReadSimpleReplyAsync(int dataLength = 0)
    {
        var header = await ReadAsync(16);
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != NbdMagic.SimpleReply)
        {
            throw new InvalidDataException("bad simple reply magic");
        }

        var error = (NbdError)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        var cookie = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
        return (error, cookie, error == NbdError.None && dataLength > 0 ? await ReadAsync(dataLength) : []);
    }

    /// <summary>Reads one request reply and checks it: success with <paramref name="length"/> bytes from
    /// <paramref name="offset"/>, or the given error.</summary>
    public async Task<byte[]> ReadBlockAsync(long offset, int length)
    {
        await SendRequestAsync(NbdCommand.Read, (ulong)offset, (ulong)offset, (uint)length);
        var (error, cookie, data) = await ReadSimpleReplyAsync(length);
        return error == NbdError.None && cookie == (ulong)offset ? data : throw new InvalidDataException($"read {offset}+{length}: {error}, cookie {cookie}");
    }

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    public async Task<byte[]> ReadAsync(int length)
    {
        var buffer = new byte[length];
        await _stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        return buffer;
    }

    /// <summary>True when the server closes the connection (end of stream or reset) within <see cref="Timeout"/>
    /// without sending anything more.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        var buffer = new byte[1];
        try
        {
            return await _stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Closes the socket abruptly (RST when data is unread).</summary>
    public void Abort() => _socket.Close(0);

    /// <summary>Bytes the server sent that this client has not read (FIONREAD).</summary>
    public int Unread => _socket.Available;

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

    private static byte[] BigEndian32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
