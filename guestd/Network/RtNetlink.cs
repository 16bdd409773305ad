using System.Buffers.Binary;
using System.Text;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// A NETLINK_ROUTE socket: requests acknowledged by the kernel and dumps, in the wire format of
/// netlink(7) and rtnetlink(7) (host byte order; x86-64 and arm64 guests are little-endian).
/// </summary>
/// <remarks>
/// netlink(7): every message starts with a 16-byte <c>nlmsghdr</c> (length, type, flags, sequence,
/// port id) and is padded to 4 bytes; a request with <c>NLM_F_ACK</c> is answered by
/// <c>NLMSG_ERROR</c> whose error is 0 (an acknowledgement) or a negative errno; a dump
/// (<c>NLM_F_DUMP</c>) is answered by multipart messages ending with <c>NLMSG_DONE</c>. Attributes are
/// <c>rtattr</c>s: a 4-byte header (length, type) and the value, padded to 4 bytes. The kernel answers
/// a request before <c>send</c> returns, so one socket, one request at a time, needs no timeout.
/// </remarks>
internal sealed class RtNetlink : IDisposable
{
    // netlink(7) and <linux/netlink.h>.
    public const ushort FlagRequest = 0x1;
    public const ushort FlagAck = 0x4;
    public const ushort FlagDump = 0x300;
    public const ushort FlagReplace = 0x100;
    public const ushort FlagExclusive = 0x200;
    public const ushort FlagCreate = 0x400;
    private const ushort MessageError = 2;
    private const ushort MessageDone = 3;
    private const int HeaderBytes = 16;

    // rtnetlink(7) and <linux/rtnetlink.h>.
    public const ushort NewLink = 16;
    public const ushort GetLink = 18;
    public const ushort NewAddress = 20;
    public const ushort DeleteAddress = 21;
    public const ushort GetAddress = 22;
    public const ushort NewRoute = 24;
    public const ushort DeleteRoute = 25;
    public const ushort GetRoute = 26;
    public const ushort DeleteNeighbour = 29;
    public const ushort GetNeighbour = 30;

    /// <summary>Dumps arrive in datagrams of at most 32 KiB (the kernel's NLMSG_GOODSIZE is below that); a larger buffer avoids truncation.</summary>
    private const int ReceiveBytes = 64 * 1024;

    /// <summary>A guest has a handful of links, addresses and routes; more messages than this in one dump are not believed.</summary>
    private const int MaxDumpMessages = 65536;

    private readonly int _fd;
    private readonly byte[] _receive = new byte[ReceiveBytes];
    private uint _sequence;

    private RtNetlink(int fd)
    {
        _fd = fd;
    }

    /// <summary>A socket in guestd's network namespace, or in the named one (<c>/run/netns/NAME</c>, as <c>ip -n</c>).</summary>
    /// <exception cref="NetworkConfigurationException">No socket (no namespace of that name, no permission).</exception>
    public static RtNetlink Open(string? networkNamespace) => new(SocketIn(networkNamespace, CreateSocket));

    /// <summary>
    /// Runs <paramref name="create"/> (which makes a socket and returns its descriptor) in guestd's network namespace,
    /// or on a short-lived thread that joined the named one: setns(2) changes only the calling thread, and a socket
    /// stays in the namespace it was created in.
    /// </summary>
    /// <exception cref="NetworkConfigurationException">No namespace of that name, or no permission to enter it.</exception>
    public static int SocketIn(string? networkNamespace, Func<int> create)
    {
        if (networkNamespace is null)
        {
            return create();
        }

        int fd = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var path = $"/run/netns/{networkNamespace}";
                var ns = LibC.Open(path, LibC.ORdOnly | LibC.OCloExec);
                if (ns < 0)
                {
                    throw new NetworkConfigurationException($"cannot open {path}: {LibC.Describe(LibC.LastError)}");
                }

                try
                {
                    if (LibC.SetNamespace(ns, LibC.CloneNewNet) != 0)
                    {
                        throw new NetworkConfigurationException($"cannot enter the network namespace {networkNamespace}: {LibC.Describe(LibC.LastError)}");
                    }
                }
                finally
                {
                    LibC.Close(ns);
                }

                fd = create();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        { IsBackground = true, Name = "netns" };
        thread.Start();
        thread.Join();
        return failure is null ? fd : throw failure;
    }

    /// <summary>Sends one request with <c>NLM_F_ACK</c> and returns the kernel's replies before its acknowledgement.</summary>
    /// <returns>The error (0: done; else the positive errno) and the payloads of the replies (a get's answer).</returns>
    public (int Error, List<byte[]> Replies) Request(ushort type, ushort flags, ReadOnlySpan<byte> payload)
    {
        var sequence = SendMessage(type, (ushort)(flags | FlagRequest | FlagAck), payload);
        var replies = new List<byte[]>();
        while (true)
        {
            var length = ReceiveDatagram();
            foreach (var (messageType, messageSequence, body) in Messages(_receive.AsSpan(0, length)))
            {
                if (messageSequence != sequence)
                {
                    continue;
                }

                if (messageType == MessageError)
                {
                    return (ErrorOf(body), replies);
                }

                if (messageType == MessageDone)
                {
                    return (0, replies);
                }

                replies.Add(body);
            }
        }
    }

    /// <summary>Dumps every object of a kind (<c>NLM_F_DUMP</c>): the payload of each message, in order.</summary>
    /// <exception cref="NetworkConfigurationException">The kernel refused the dump.</exception>
    public List<byte[]> Dump(ushort type, ReadOnlySpan<byte> payload)
    {
        var sequence = SendMessage(type, FlagRequest | FlagDump, payload);
        var entries = new List<byte[]>();
        while (true)
        {
            var length = ReceiveDatagram();
            foreach (var (messageType, messageSequence, body) in Messages(_receive.AsSpan(0, length)))
            {
                if (messageSequence != sequence)
                {
                    continue;
                }

                if (messageType == MessageDone)
                {
                    return entries;
                }

                if (messageType == MessageError && ErrorOf(body) is var error and not 0)
                {
                    throw new NetworkConfigurationException($"the kernel refused a netlink dump (type {type}): {LibC.Describe(error)}");
                }

                if (entries.Count >= MaxDumpMessages)
                {
                    throw new NetworkConfigurationException($"a netlink dump (type {type}) returned more than {MaxDumpMessages} entries");
                }

                entries.Add(body);
            }
        }
    }

    public void Dispose() => LibC.Close(_fd);

    /// <summary>Appends an rtattr (rtnetlink(7): <c>struct rtattr { unsigned short rta_len; unsigned short rta_type; }</c>) padded to 4 bytes.</summary>
    public static void AddAttribute(List<byte> message, ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        message.AddRange(header);
        message.AddRange(value);
        while (message.Count % 4 != 0)
        {
            message.Add(0);
        }
    }

    public static void AddAttribute(List<byte> message, ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        AddAttribute(message, type, bytes);
    }

    /// <summary>A NUL-terminated string attribute (IFLA_IFNAME).</summary>
    public static void AddAttribute(List<byte> message, ushort type, string value)
        => AddAttribute(message, type, [.. Encoding.ASCII.GetBytes(value), 0]);

    /// <summary>The attributes of a message after its fixed header of <paramref name="fixedBytes"/>: type and value.</summary>
    public static IEnumerable<(ushort Type, byte[] Value)> Attributes(byte[] body, int fixedBytes)
    {
        var offset = Align(fixedBytes);
        while (offset + 4 <= body.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(offset));
            var type = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(offset + 2));
            if (length < 4 || offset + length > body.Length)
            {
                yield break;
            }

            // The top bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER, not part of the type.
            yield return ((ushort)(type & 0x3fff), body.AsSpan(offset + 4, length - 4).ToArray());
            offset += Align(length);
        }
    }

    private static int Align(int length) => (length + 3) & ~3;

    private static int CreateSocket()
    {
        var fd = LibC.Socket(LibC.AfNetlink, LibC.SockRaw | LibC.SockCloExec, LibC.NetlinkRoute);
        return fd >= 0 ? fd : throw new NetworkConfigurationException($"cannot open a NETLINK_ROUTE socket: {LibC.Describe(LibC.LastError)}");
    }

    private uint SendMessage(ushort type, ushort flags, ReadOnlySpan<byte> payload)
    {
        var sequence = ++_sequence;
        var message = new byte[HeaderBytes + Align(payload.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)(HeaderBytes + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        payload.CopyTo(message.AsSpan(HeaderBytes));
        nint sent;
        do
        {
            sent = LibC.Send(_fd, message, (nuint)message.Length, 0);
        }
        while (sent < 0 && LibC.LastError == EIntr);

        return sent == message.Length
            ? sequence
            : throw new NetworkConfigurationException($"cannot send a netlink request: {LibC.Describe(LibC.LastError)}");
    }

    private int ReceiveDatagram()
    {
        nint received;
        do
        {
            received = LibC.Receive(_fd, _receive, (nuint)_receive.Length, 0);
        }
        while (received < 0 && LibC.LastError == EIntr);

        return received > 0 ? (int)received : throw new NetworkConfigurationException($"cannot read the kernel's netlink answer: {LibC.Describe(LibC.LastError)}");
    }

    private const int EIntr = 4;

    private static List<(ushort Type, uint Sequence, byte[] Body)> Messages(ReadOnlySpan<byte> datagram)
    {
        var messages = new List<(ushort, uint, byte[])>();
        var offset = 0;
        while (offset + HeaderBytes <= datagram.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);
            if (length < HeaderBytes || offset + length > datagram.Length)
            {
                throw new NetworkConfigurationException($"a malformed netlink message ({length} bytes at {offset} of {datagram.Length})");
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[(offset + 4)..]);
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(datagram[(offset + 8)..]);
            messages.Add((type, sequence, datagram.Slice(offset + HeaderBytes, length - HeaderBytes).ToArray()));
            offset += Align(length);
        }

        return messages;
    }

    /// <summary><c>struct nlmsgerr { int error; struct nlmsghdr msg; }</c>: 0 or a negative errno, returned positive.</summary>
    private static int ErrorOf(byte[] body)
        => body.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(body) : throw new NetworkConfigurationException("a truncated netlink error message");
}
