using System.Buffers.Binary;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <remarks>proto.md "Option types", "Option reply types", "NBD_OPT_INFO and NBD_OPT_GO", "Metadata querying".</remarks>
internal sealed partial class NbdServerConnection
{
    /// <summary>The one metadata context served, and the id the server gives it.</summary>
    internal const string BaseAllocationContext = "base:allocation";

    internal const uint BaseAllocationContextId = 1;

    private const string BaseNamespace = "base:";
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private async Task<OptionOutcome> HandleOptionAsync(NegotiationState state, uint option, byte[] data, CancellationToken cancellationToken)
    {
        switch ((NbdOption)option)
        {
            case NbdOption.ExportName:
                return new OptionOutcome(true, await ExportNameAsync(state, data, cancellationToken));
            case NbdOption.Abort:
                await SendAbortAckAsync(cancellationToken);
                return new OptionOutcome(true, null);
            case NbdOption.List:
                await ListAsync(option, data, cancellationToken);
                return OptionOutcome.Continue;
            case NbdOption.Info or NbdOption.Go:
                var session = await InfoOrGoAsync(state, option, data, cancellationToken);
                return session is null ? OptionOutcome.Continue : new OptionOutcome(true, session);
            case NbdOption.StructuredReply:
                if (data.Length != 0)
                {
                    await SendOptionErrorAsync(option, NbdOptionReplyType.ErrInvalid, "STRUCTURED_REPLY takes no data", cancellationToken);
                    return OptionOutcome.Continue;
                }

                state.Structured = true;
                await SendOptionReplyAsync(option, NbdOptionReplyType.Ack, ReadOnlyMemory<byte>.Empty, cancellationToken);
                return OptionOutcome.Continue;
            case NbdOption.ListMetaContext or NbdOption.SetMetaContext:
                await MetaContextAsync(state, option, data, cancellationToken);
                return OptionOutcome.Continue;
            default:
                // STARTTLS, EXTENDED_HEADERS, PEEK_EXPORT and unknown numbers: "the server MUST reply with
                // NBD_REP_ERR_UNSUP" and haggling goes on (its data has already been read).
                await SendOptionErrorAsync(option, NbdOptionReplyType.ErrUnsup, $"option {option} is not supported", cancellationToken);
                return OptionOutcome.Continue;
        }
    }

    /// <summary>NBD_OPT_EXPORT_NAME: no error reply exists, so an unknown export ends the session.</summary>
    private async Task<Session> ExportNameAsync(NegotiationState state, byte[] data, CancellationToken cancellationToken)
    {
        if (!TryDecodeString(data, out var name) || !_exports.TryGetEntry(name, out var entry))
        {
            throw new NbdProtocolException("EXPORT_NAME for an unknown export");
        }

        var flags = TransmissionFlags(entry.Export, state.Structured);
        var reply = new byte[NbdExportInfoLayout.ExportNameLength + (state.NoZeroes ? 0 : NbdLimits.ExportNameZeroPadding)];
        BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(NbdExportInfoLayout.ExportNameSizeOffset), (ulong)entry.Export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(NbdExportInfoLayout.ExportNameFlagsOffset), (ushort)flags);
        await SendAsync(reply, cancellationToken);
        return new Session(entry, state.Structured, state.BaseAllocationExport == entry.Name, flags);
    }

    private async Task SendAbortAckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendOptionReplyAsync((uint)NbdOption.Abort, NbdOptionReplyType.Ack, ReadOnlyMemory<byte>.Empty, cancellationToken);
        }
        catch (IOException)
        {
            // The client may close right after sending ABORT without waiting for the ACK (proto.md allows it).
        }
    }

    /// <summary>NBD_OPT_LIST: one NBD_REP_SERVER per export (name, then description), then ACK.</summary>
    private async Task ListAsync(uint option, byte[] data, CancellationToken cancellationToken)
    {
        if (data.Length != 0)
        {
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrInvalid, "LIST takes no data", cancellationToken);
            return;
        }

        foreach (var entry in _exports.Entries)
        {
            var name = Encoding.UTF8.GetBytes(entry.Name);
            var description = Encoding.UTF8.GetBytes(Truncate(entry.Export.Description));
            var payload = new byte[NbdOptionDataLayout.StringLengthPrefix + name.Length + description.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)name.Length);
            name.CopyTo(payload, NbdOptionDataLayout.StringLengthPrefix);
            description.CopyTo(payload, NbdOptionDataLayout.StringLengthPrefix + name.Length);
            await SendOptionReplyAsync(option, NbdOptionReplyType.Server, payload, cancellationToken);
        }

        await SendOptionReplyAsync(option, NbdOptionReplyType.Ack, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    /// <summary>NBD_OPT_INFO / NBD_OPT_GO: INFO_EXPORT and INFO_BLOCK_SIZE always, NAME and DESCRIPTION when asked;
    /// GO then enters transmission. Returns the session for a successful GO, else null.</summary>
    private async Task<Session?> InfoOrGoAsync(NegotiationState state, uint option, byte[] data, CancellationToken cancellationToken)
    {
        if (!TryParseInfoRequest(data, out var name, out var requests))
        {
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrInvalid, "malformed INFO/GO request", cancellationToken);
            return null;
        }

        if (!_exports.TryGetEntry(name, out var entry))
        {
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrUnknown, $"no export named '{name}'", cancellationToken);
            return null;
        }

        var export = entry.Export;
        var flags = TransmissionFlags(export, state.Structured);
        var info = new byte[NbdExportInfoLayout.InfoExportLength];
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(NbdExportInfoLayout.InfoTypeOffset), (ushort)NbdInfoType.Export);
        BinaryPrimitives.WriteUInt64BigEndian(info.AsSpan(NbdExportInfoLayout.InfoExportSizeOffset), (ulong)export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(NbdExportInfoLayout.InfoExportFlagsOffset), (ushort)flags);
        await SendOptionReplyAsync(option, NbdOptionReplyType.Info, info, cancellationToken);

        // Block size is always sent: with a minimum of 1 it constrains nothing, and it tells clients the preferred size.
        var blockSize = new byte[NbdExportInfoLayout.InfoBlockSizeLength];
        BinaryPrimitives.WriteUInt16BigEndian(blockSize.AsSpan(NbdExportInfoLayout.InfoTypeOffset), (ushort)NbdInfoType.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(NbdExportInfoLayout.InfoBlockSizeMinimumOffset), NbdLimits.MinimumBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(NbdExportInfoLayout.InfoBlockSizePreferredOffset), (uint)export.PreferredBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(NbdExportInfoLayout.InfoBlockSizeMaximumOffset), NbdLimits.MaxPayloadLength);
        await SendOptionReplyAsync(option, NbdOptionReplyType.Info, blockSize, cancellationToken);

        if (requests.Contains(NbdInfoType.Name))
        {
            await SendInfoStringAsync(option, NbdInfoType.Name, entry.Name, cancellationToken);
        }

        if (requests.Contains(NbdInfoType.Description) && export.Description.Length > 0)
        {
            await SendInfoStringAsync(option, NbdInfoType.Description, Truncate(export.Description), cancellationToken);
        }

        await SendOptionReplyAsync(option, NbdOptionReplyType.Ack, ReadOnlyMemory<byte>.Empty, cancellationToken);
        return option == (uint)NbdOption.Go
            ? new Session(entry, state.Structured, state.BaseAllocationExport == entry.Name, flags)
            : null;
    }

    private async Task SendInfoStringAsync(uint option, NbdInfoType type, string value, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var payload = new byte[NbdExportInfoLayout.InfoTypeLength + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(NbdExportInfoLayout.InfoTypeOffset), (ushort)type);
        bytes.CopyTo(payload, NbdExportInfoLayout.InfoTypeLength);
        await SendOptionReplyAsync(option, NbdOptionReplyType.Info, payload, cancellationToken);
    }

    /// <summary>LIST_META_CONTEXT / SET_META_CONTEXT for <c>base:allocation</c>, the only context served.</summary>
    private async Task MetaContextAsync(NegotiationState state, uint option, byte[] data, CancellationToken cancellationToken)
    {
        var set = option == (uint)NbdOption.SetMetaContext;
        if (set && !state.Structured)
        {
            // "If the client has not negotiated structured replies, the server MUST fail SET_META_CONTEXT with ERR_INVALID".
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrInvalid, "SET_META_CONTEXT needs structured replies first", cancellationToken);
            return;
        }

        if (!TryParseMetaContextRequest(data, out var name, out var queries))
        {
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrInvalid, "malformed meta context request", cancellationToken);
            return;
        }

        if (!_exports.TryGetEntry(name, out var entry))
        {
            await SendOptionErrorAsync(option, NbdOptionReplyType.ErrUnknown, $"no export named '{name}'", cancellationToken);
            return;
        }

        // LIST with no query lists every context; a namespace query ("base:") lists that namespace. SET selects only
        // exact names, and a new SET replaces the previous selection.
        var matches = set
            ? queries.Contains(BaseAllocationContext, StringComparer.Ordinal)
            : queries.Count == 0 || queries.Any(q => q is BaseNamespace or BaseAllocationContext);
        if (set)
        {
            state.BaseAllocationExport = matches ? entry.Name : null;
        }

        if (matches)
        {
            var contextName = Encoding.UTF8.GetBytes(BaseAllocationContext);
            var payload = new byte[NbdOptionDataLayout.ContextIdLength + contextName.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, set ? BaseAllocationContextId : 0);
            contextName.CopyTo(payload, NbdOptionDataLayout.ContextIdLength);
            await SendOptionReplyAsync(option, NbdOptionReplyType.MetaContext, payload, cancellationToken);
        }

        await SendOptionReplyAsync(option, NbdOptionReplyType.Ack, ReadOnlyMemory<byte>.Empty, cancellationToken);
    }

    private static NbdTransmissionFlags TransmissionFlags(INbdExport export, bool structured)
    {
        var flags = NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.SendFlush | NbdTransmissionFlags.SendFua | NbdTransmissionFlags.SendCache;
        if (export.ReadOnly)
        {
            // Read-only: every connection sees the same bytes, so clients may spread requests over many connections.
            flags |= NbdTransmissionFlags.ReadOnly | NbdTransmissionFlags.CanMultiConn;
        }

        if (structured)
        {
            flags |= NbdTransmissionFlags.SendDf;
        }

        return flags;
    }

    private async ValueTask SendOptionErrorAsync(uint option, NbdOptionReplyType type, string message, CancellationToken cancellationToken)
    {
        NbdLog.OptionRefused(_logger, _id, option, type);
        await SendOptionReplyAsync(option, type, Encoding.UTF8.GetBytes(message), cancellationToken);
    }

    /// <summary>Option reply: magic, option, reply type, length, data (proto.md "Fixed newstyle negotiation").</summary>
    private async ValueTask SendOptionReplyAsync(uint option, NbdOptionReplyType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[NbdOptionReplyLayout.HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(NbdOptionReplyLayout.MagicOffset), NbdMagic.OptionReply);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(NbdOptionReplyLayout.OptionOffset), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(NbdOptionReplyLayout.TypeOffset), (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(NbdOptionReplyLayout.DataLengthOffset), (uint)payload.Length);
        payload.Span.CopyTo(message.AsSpan(NbdOptionReplyLayout.HeaderLength));
        await SendAsync(message, cancellationToken);
    }

    /// <summary>INFO/GO data: u32 name length, name, u16 request count, u16 requests.</summary>
    private static bool TryParseInfoRequest(ReadOnlySpan<byte> data, out string name, out List<NbdInfoType> requests)
    {
        requests = [];
        if (!TryReadString(ref data, out name) || data.Length < NbdOptionDataLayout.InfoRequestCountLength)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(data);
        data = data[NbdOptionDataLayout.InfoRequestCountLength..];
        if (count > NbdLimits.MaxInfoRequests || data.Length != count * NbdOptionDataLayout.InfoRequestLength)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            requests.Add((NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(data[(i * NbdOptionDataLayout.InfoRequestLength)..]));
        }

        return true;
    }

    /// <summary>Meta context data: u32 name length, name, u32 query count, then (u32 length, query) each.</summary>
    private static bool TryParseMetaContextRequest(ReadOnlySpan<byte> data, out string name, out List<string> queries)
    {
        queries = [];
        if (!TryReadString(ref data, out name) || data.Length < NbdOptionDataLayout.QueryCountLength)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(data);
        data = data[NbdOptionDataLayout.QueryCountLength..];
        if (count > NbdLimits.MaxMetaContextQueries)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!TryReadString(ref data, out var query))
            {
                return false;
            }

            queries.Add(query);
        }

        return data.IsEmpty;
    }

    /// <summary>Reads a u32-length-prefixed string, bounded by <see cref="NbdLimits.MaxStringLength"/>.</summary>
    private static bool TryReadString(ref ReadOnlySpan<byte> data, out string value)
    {
        value = string.Empty;
        if (data.Length < NbdOptionDataLayout.StringLengthPrefix)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (length > NbdLimits.MaxStringLength || length > (uint)(data.Length - NbdOptionDataLayout.StringLengthPrefix))
        {
            return false;
        }

        var ok = TryDecodeString(data.Slice(NbdOptionDataLayout.StringLengthPrefix, (int)length), out value);
        data = data[(NbdOptionDataLayout.StringLengthPrefix + (int)length)..];
        return ok;
    }

    private static bool TryDecodeString(ReadOnlySpan<byte> bytes, out string value)
    {
        value = string.Empty;
        if (bytes.Length > NbdLimits.MaxStringLength || bytes.Contains((byte)0))
        {
            return false;
        }

        try
        {
            value = s_strictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Descriptions are strings: at most 4096 bytes on the wire.</summary>
    private static string Truncate(string text)
    {
        while (Encoding.UTF8.GetByteCount(text) > NbdLimits.MaxStringLength)
        {
            text = text[..(text.Length / 2)];
        }

        return text;
    }
}
