using System.Buffers.Binary;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <remarks>proto.md "Newstyle negotiation" and "Fixed newstyle negotiation".</remarks>
internal sealed partial class NbdServerConnection
{
    private const NbdClientFlags KnownClientFlags = NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes;

    /// <summary>Runs the handshake and option haggling; returns the negotiated session, or null when the client
    /// aborted, or the handshake timed out.</summary>
    private async Task<Session?> NegotiateAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            var greeting = new byte[NbdGreetingLayout.Length];
            BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(NbdGreetingLayout.PasswordOffset), NbdMagic.InitPassword);
            BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(NbdGreetingLayout.NewstyleMagicOffset), NbdMagic.IHaveOpt);
            BinaryPrimitives.WriteUInt16BigEndian(greeting.AsSpan(NbdGreetingLayout.HandshakeFlagsOffset), (ushort)(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes));
            await SendAsync(greeting, deadline.Token);

            var flagBytes = new byte[NbdGreetingLayout.ClientFlagsLength];
            await ReadExactlyAsync(flagBytes, deadline.Token);
            var clientFlags = (NbdClientFlags)BinaryPrimitives.ReadUInt32BigEndian(flagBytes);
            if ((clientFlags & ~KnownClientFlags) != 0)
            {
                // "the server MUST close the TCP connection if it does not recognize the client's flags".
                throw new NbdProtocolException($"unknown client flags 0x{(uint)clientFlags:x8}");
            }

            var state = new NegotiationState { NoZeroes = clientFlags.HasFlag(NbdClientFlags.NoZeroes) };
            return await HaggleAsync(state, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            NbdLog.HandshakeTimedOut(_logger, _id);
            return null;
        }
    }

    /// <summary>Reads options until one enters transmission (EXPORT_NAME, GO) or ends the session (ABORT).</summary>
    private async Task<Session?> HaggleAsync(NegotiationState state, CancellationToken cancellationToken)
    {
        var header = new byte[NbdOptionLayout.HeaderLength];
        while (true)
        {
            await ReadExactlyAsync(header, cancellationToken);
            var magic = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(NbdOptionLayout.MagicOffset));
            if (magic != NbdMagic.IHaveOpt)
            {
                throw new NbdProtocolException($"bad option magic 0x{magic:x16}");
            }

            var option = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdOptionLayout.OptionOffset));
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(NbdOptionLayout.DataLengthOffset));
            if (length > NbdLimits.MaxOptionLength)
            {
                await RefuseOversizedOptionAsync(option, length, cancellationToken);
                continue;
            }

            var data = new byte[length];
            await ReadExactlyAsync(data, cancellationToken);
            var outcome = await HandleOptionAsync(state, option, data, cancellationToken);
            if (outcome.Finished)
            {
                return outcome.Session;
            }
        }
    }

    /// <summary>Skips an option whose data is over <see cref="NbdLimits.MaxOptionLength"/> and answers ERR_TOO_BIG;
    /// data beyond <see cref="NbdLimits.MaxDiscardedOptionLength"/> is not worth reading: the client is dropped.</summary>
    private async Task RefuseOversizedOptionAsync(uint option, uint length, CancellationToken cancellationToken)
    {
        if (length > NbdLimits.MaxDiscardedOptionLength)
        {
            throw new NbdProtocolException($"option {option} carries {length} bytes (limit {NbdLimits.MaxOptionLength})");
        }

        await DiscardAsync(length, cancellationToken);
        await SendOptionErrorAsync(option, NbdOptionReplyType.ErrTooBig, $"option data over {NbdLimits.MaxOptionLength} bytes", cancellationToken);
    }

    /// <summary>Reads and throws away <paramref name="length"/> bytes in bounded chunks.</summary>
    private async Task DiscardAsync(long length, CancellationToken cancellationToken)
    {
        var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(DiscardChunk);
        try
        {
            while (length > 0)
            {
                var n = (int)Math.Min(length, DiscardChunk);
                await ReadExactlyAsync(scratch.AsMemory(0, n), cancellationToken);
                length -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>What option haggling has agreed so far.</summary>
    private sealed class NegotiationState
    {
        public bool NoZeroes { get; init; }

        public bool Structured { get; set; }

        /// <summary>The export name SET_META_CONTEXT was for, when it selected <c>base:allocation</c>.</summary>
        public string? BaseAllocationExport { get; set; }
    }

    /// <summary>The outcome of one option: keep haggling, or finish (with a session, or none after ABORT).</summary>
    private readonly record struct OptionOutcome(bool Finished, Session? Session)
    {
        public static OptionOutcome Continue => default;
    }

    /// <summary>What the transmission phase needs to know.</summary>
    private sealed record Session(NbdExportSet.Entry Entry, bool Structured, bool BaseAllocation, NbdTransmissionFlags Flags);
}
