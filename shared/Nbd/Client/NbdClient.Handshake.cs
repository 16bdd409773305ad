using System.Buffers.Binary;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>The option-haggling half of <see cref="NbdClient"/>.</summary>
/// <remarks>proto.md "Fixed newstyle negotiation", "Option types" (GO, EXPORT_NAME, STRUCTURED_REPLY,
/// SET_META_CONTEXT), "Option reply types".</remarks>
public sealed partial class NbdClient
{
    private const int InputBufferBytes = 64 * 1024;
    private const int DefaultPreferredBlockSize = 4096;
    private const int MaxOptionReplyBytes = 64 * 1024;
    private const string AllocationContext = "base:allocation";
    private static readonly TimeSpan s_disconnectTimeout = TimeSpan.FromSeconds(2);

    private uint? _allocationContextId;

    private async Task HandshakeAsync(string exportName, CancellationToken cancellationToken)
    {
        var greeting = new byte[NbdGreetingLayout.Length];
        await _input.ReadExactlyAsync(greeting, cancellationToken);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(NbdGreetingLayout.PasswordOffset)) != NbdMagic.InitPassword)
        {
            throw new NbdProtocolException($"{Name}: not an NBD server (bad greeting magic)");
        }

        var second = BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(NbdGreetingLayout.NewstyleMagicOffset));
        if (second == NbdMagic.Oldstyle)
        {
            throw new NbdProtocolException($"{Name}: the server speaks the oldstyle protocol, which this client does not support");
        }

        if (second != NbdMagic.IHaveOpt)
        {
            throw new NbdProtocolException($"{Name}: bad newstyle magic 0x{second:x16}");
        }

        var handshake = (NbdHandshakeFlags)BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(NbdGreetingLayout.HandshakeFlagsOffset));
        if ((handshake & NbdHandshakeFlags.FixedNewstyle) == 0)
        {
            throw new NbdProtocolException($"{Name}: the server does not speak fixed newstyle");
        }

        var noZeroes = (handshake & NbdHandshakeFlags.NoZeroes) != 0;
        var clientFlags = NbdClientFlags.FixedNewstyle | (noZeroes ? NbdClientFlags.NoZeroes : NbdClientFlags.None);
        var flagBytes = new byte[NbdGreetingLayout.ClientFlagsLength];
        BinaryPrimitives.WriteUInt32BigEndian(flagBytes, (uint)clientFlags);
        await _stream.WriteAsync(flagBytes, cancellationToken);

        if (Options.StructuredReplies)
        {
            await SendOptionAsync(NbdOption.StructuredReply, [], cancellationToken);
            var reply = await ReadOptionReplyAsync(NbdOption.StructuredReply, cancellationToken);
            StructuredReplies = reply.Type == NbdOptionReplyType.Ack;
            if (!StructuredReplies && !IsError(reply.Type))
            {
                throw new NbdProtocolException($"{Name}: unexpected reply {reply.Type} to STRUCTURED_REPLY");
            }
        }

        if (StructuredReplies && Options.BlockStatus)
        {
            await NegotiateAllocationContextAsync(exportName, cancellationToken);
        }

        if (!await TryGoAsync(exportName, cancellationToken))
        {
            await ExportNameAsync(exportName, noZeroes, cancellationToken);
        }

        MaximumRequestBytes = Math.Clamp(Math.Min(MaximumRequestBytes == 0 ? int.MaxValue : MaximumRequestBytes, Options.MaxRequestBytes), MinimumBlockSize, NbdClientOptions.ProtocolMaxRequestBytes);
    }

    private async Task NegotiateAllocationContextAsync(string exportName, CancellationToken cancellationToken)
    {
        var name = Encoding.UTF8.GetBytes(exportName);
        var query = Encoding.UTF8.GetBytes(AllocationContext);
        var data = new byte[NbdOptionDataLayout.StringLengthPrefix + name.Length + NbdOptionDataLayout.QueryCountLength + NbdOptionDataLayout.StringLengthPrefix + query.Length];
        var at = WriteString(data, 0, name);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), 1);
        WriteString(data, at + NbdOptionDataLayout.QueryCountLength, query);
        await SendOptionAsync(NbdOption.SetMetaContext, data, cancellationToken);
        while (true)
        {
            var reply = await ReadOptionReplyAsync(NbdOption.SetMetaContext, cancellationToken);
            if (reply.Type == NbdOptionReplyType.MetaContext)
            {
                if (reply.Data.Length < NbdOptionDataLayout.ContextIdLength)
                {
                    throw new NbdProtocolException($"{Name}: META_CONTEXT reply of {reply.Data.Length} bytes");
                }

                if (Encoding.UTF8.GetString(reply.Data, NbdOptionDataLayout.ContextIdLength, reply.Data.Length - NbdOptionDataLayout.ContextIdLength) == AllocationContext)
                {
                    _allocationContextId = BinaryPrimitives.ReadUInt32BigEndian(reply.Data);
                }
            }
            else if (reply.Type == NbdOptionReplyType.Ack || IsError(reply.Type))
            {
                // An error just means no block status; the export itself is decided by GO.
                return;
            }
            else
            {
                throw new NbdProtocolException($"{Name}: unexpected reply {reply.Type} to SET_META_CONTEXT");
            }
        }
    }

    /// <summary>NBD_OPT_GO with a request for the block-size constraints; false when the server does not know GO.</summary>
    private async Task<bool> TryGoAsync(string exportName, CancellationToken cancellationToken)
    {
        var name = Encoding.UTF8.GetBytes(exportName);
        var data = new byte[NbdOptionDataLayout.StringLengthPrefix + name.Length + NbdOptionDataLayout.InfoRequestCountLength + NbdOptionDataLayout.InfoRequestLength];
        var at = WriteString(data, 0, name);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at), 1);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at + NbdOptionDataLayout.InfoRequestCountLength), (ushort)NbdInfoType.BlockSize);
        await SendOptionAsync(NbdOption.Go, data, cancellationToken);
        var sawExport = false;
        while (true)
        {
            var reply = await ReadOptionReplyAsync(NbdOption.Go, cancellationToken);
            switch (reply.Type)
            {
                case NbdOptionReplyType.Info:
                    sawExport |= ParseInfo(reply.Data);
                    break;
                case NbdOptionReplyType.Ack when sawExport:
                    NegotiatedWithGo = true;
                    return true;
                case NbdOptionReplyType.Ack:
                    throw new NbdProtocolException($"{Name}: GO acknowledged without NBD_INFO_EXPORT");
                case NbdOptionReplyType.ErrUnsup:
                    return false;
                case var error when IsError(error):
                    var message = Encoding.UTF8.GetString(reply.Data);
                    await AbortQuietlyAsync(cancellationToken);
                    throw new NbdProtocolException($"{Name}: the server refused export '{exportName}': {error}{(message.Length > 0 ? $" ({message})" : string.Empty)}");
                default:
                    throw new NbdProtocolException($"{Name}: unexpected reply {reply.Type} to GO");
            }
        }
    }

    private bool ParseInfo(byte[] data)
    {
        if (data.Length < NbdExportInfoLayout.InfoTypeLength)
        {
            throw new NbdProtocolException($"{Name}: INFO reply of {data.Length} bytes");
        }

        switch ((NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(NbdExportInfoLayout.InfoTypeOffset)))
        {
            case NbdInfoType.Export:
                if (data.Length != NbdExportInfoLayout.InfoExportLength)
                {
                    throw new NbdProtocolException($"{Name}: NBD_INFO_EXPORT of {data.Length} bytes");
                }

                SetExport(
                    BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(NbdExportInfoLayout.InfoExportSizeOffset)),
                    BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(NbdExportInfoLayout.InfoExportFlagsOffset)));
                return true;
            case NbdInfoType.BlockSize:
                if (data.Length != NbdExportInfoLayout.InfoBlockSizeLength)
                {
                    throw new NbdProtocolException($"{Name}: NBD_INFO_BLOCK_SIZE of {data.Length} bytes");
                }

                var minimum = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(NbdExportInfoLayout.InfoBlockSizeMinimumOffset));
                var preferred = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(NbdExportInfoLayout.InfoBlockSizePreferredOffset));
                var maximum = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(NbdExportInfoLayout.InfoBlockSizeMaximumOffset));
                if (minimum is 0 or > 65536 || preferred < minimum || maximum < minimum)
                {
                    throw new NbdProtocolException($"{Name}: impossible block sizes min {minimum}, preferred {preferred}, max {maximum}");
                }

                MinimumBlockSize = (int)minimum;
                PreferredBlockSize = (int)Math.Min(preferred, int.MaxValue);
                MaximumRequestBytes = (int)Math.Min(maximum, int.MaxValue);
                return false;
            default:
                // Other information types (name, description) are not needed here.
                return false;
        }
    }

    private async Task ExportNameAsync(string exportName, bool noZeroes, CancellationToken cancellationToken)
    {
        await SendOptionAsync(NbdOption.ExportName, Encoding.UTF8.GetBytes(exportName), cancellationToken);
        var reply = new byte[NbdExportInfoLayout.ExportNameLength + (noZeroes ? 0 : NbdLimits.ExportNameZeroPadding)];
        await _input.ReadExactlyAsync(reply, cancellationToken);
        SetExport(
            BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(NbdExportInfoLayout.ExportNameSizeOffset)),
            BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(NbdExportInfoLayout.ExportNameFlagsOffset)));
    }

    /// <summary>Writes a length-prefixed string at <paramref name="at"/>; returns the offset after it.</summary>
    private static int WriteString(byte[] data, int at, byte[] value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), (uint)value.Length);
        value.CopyTo(data, at + NbdOptionDataLayout.StringLengthPrefix);
        return at + NbdOptionDataLayout.StringLengthPrefix + value.Length;
    }

    private void SetExport(ulong size, ushort flags)
    {
        if (size > long.MaxValue)
        {
            throw new NbdProtocolException($"{Name}: export size {size} is out of range");
        }

        Size = (long)size;
        TransmissionFlags = (NbdTransmissionFlags)flags;
    }

    /// <summary>NBD_OPT_ABORT before hanging up in the option phase, as proto.md "Option haggling" asks of a
    /// client that gives up; the server's ACK is not awaited.</summary>
    private async Task AbortQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendOptionAsync(NbdOption.Abort, [], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The server may already be gone; the refusal is what the caller needs to hear about.
        }
    }

    private async Task SendOptionAsync(NbdOption option, byte[] data, CancellationToken cancellationToken)
    {
        var message = new byte[NbdOptionLayout.HeaderLength + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(NbdOptionLayout.MagicOffset), NbdMagic.IHaveOpt);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(NbdOptionLayout.OptionOffset), (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(NbdOptionLayout.DataLengthOffset), (uint)data.Length);
        data.CopyTo(message, NbdOptionLayout.HeaderLength);
        await _stream.WriteAsync(message, cancellationToken);
    }

    private async Task<(NbdOptionReplyType Type, byte[] Data)> ReadOptionReplyAsync(NbdOption option, CancellationToken cancellationToken)
    {
        var header = new byte[NbdOptionReplyLayout.HeaderLength];
        await _input.ReadExactlyAsync(header, cancellationToken);
        if (BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(NbdOptionReplyLayout.MagicOffset)) != NbdMagic.OptionReply)
        {
            throw new NbdProtocolException($"{Name}: bad option reply magic");
        }

        var echoed = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdOptionReplyLayout.OptionOffset));
        if (echoed != option)
        {
            throw new NbdProtocolException($"{Name}: reply for option {echoed} while waiting for {option}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdOptionReplyLayout.DataLengthOffset));
        if (length > MaxOptionReplyBytes)
        {
            throw new NbdProtocolException($"{Name}: option reply of {length} bytes exceeds the {MaxOptionReplyBytes}-byte limit");
        }

        var data = new byte[length];
        await _input.ReadExactlyAsync(data, cancellationToken);
        return ((NbdOptionReplyType)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdOptionReplyLayout.TypeOffset)), data);
    }

    private static bool IsError(NbdOptionReplyType type) => ((uint)type & 0x8000_0000) != 0;
}
