using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// Frames of the chunk protocol over any duplex stream (a TLS stream between hosts): a 5-byte header, u8
/// <see cref="FrameType"/> and u32 big-endian payload length, then the payload. Writes are serialised; reads come from
/// one reader at a time. Every length is checked against the frame type's bound before a byte of payload is read.
/// </summary>
public sealed class ChunkChannel(Stream stream) : IAsyncDisposable
{
    public const int HeaderBytes = 5;

    private const int IndexBytes = 4;

    private const int ReportFixedBytes = 10;

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private readonly byte[] _header = new byte[HeaderBytes];

    public Stream Stream { get; } = stream;

    public Task SendOfferAsync(TransferOffer offer, CancellationToken cancellationToken)
        => SendAsync(FrameType.Offer, JsonSerializer.SerializeToUtf8Bytes(offer, ShippingJson.Options), cancellationToken);

    public Task SendNeedAsync(byte[] bitmap, CancellationToken cancellationToken) => SendAsync(FrameType.Need, bitmap, cancellationToken);

    public Task SendMulticastOfferAsync(Multicast.MulticastOffer offer, CancellationToken cancellationToken)
        => SendAsync(FrameType.MulticastOffer, JsonSerializer.SerializeToUtf8Bytes(offer, ShippingJson.Options), cancellationToken);

    public Task SendMulticastReadyAsync(CancellationToken cancellationToken) => SendAsync(FrameType.MulticastReady, [], cancellationToken);

    public Task SendMulticastSentAsync(byte[] bitmap, CancellationToken cancellationToken) => SendAsync(FrameType.MulticastSent, bitmap, cancellationToken);

    public Task SendNackAsync(int index, CancellationToken cancellationToken)
    {
        var payload = new byte[IndexBytes];
        BinaryPrimitives.WriteInt32BigEndian(payload, index);
        return SendAsync(FrameType.Nack, payload, cancellationToken);
    }

    public Task SendReportAsync(HopReport report, CancellationToken cancellationToken)
    {
        var message = Encoding.UTF8.GetBytes(report.Message ?? "");
        var payload = new byte[ReportFixedBytes + Math.Min(message.Length, ShippingLimits.MaxMessageBytes)];
        payload[0] = (byte)report.Hop;
        payload[1] = (byte)report.State;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(2), report.Bytes);
        message.AsSpan(0, payload.Length - ReportFixedBytes).CopyTo(payload.AsSpan(ReportFixedBytes));
        return SendAsync(FrameType.Report, payload, cancellationToken);
    }

    public async Task SendChunkAsync(int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes + IndexBytes];
        header[0] = (byte)FrameType.Chunk;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)(IndexBytes + data.Length));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(HeaderBytes), index);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await Stream.WriteAsync(header, cancellationToken);
            await Stream.WriteAsync(data, cancellationToken);
            await Stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Reads the next frame's header; null at a clean end of stream.</summary>
    /// <exception cref="ShippingException">Unknown type, or a length above the bound of its type (<paramref name="maxChunkBytes"/> for chunks).</exception>
    public async Task<(FrameType Type, int Length)?> ReadHeaderAsync(int maxChunkBytes, CancellationToken cancellationToken)
    {
        var read = await Stream.ReadAtLeastAsync(_header, HeaderBytes, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderBytes)
        {
            throw Lost("the stream ended inside a frame header");
        }

        var type = (FrameType)_header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
        long bound = type switch
        {
            FrameType.Offer => ShippingLimits.MaxOfferBytes,
            FrameType.Need => (ShippingLimits.MaxChunks + 7) / 8,
            FrameType.Chunk => IndexBytes + (long)maxChunkBytes,
            FrameType.Nack => IndexBytes,
            FrameType.Report => ReportFixedBytes + ShippingLimits.MaxMessageBytes,
            FrameType.MulticastOffer => ShippingLimits.MaxOfferBytes,
            FrameType.MulticastReady => 0,
            FrameType.MulticastSent => (ShippingLimits.MaxChunks + 7) / 8,
            _ => throw new ShippingException(ShippingProblem.Protocol, $"unknown frame type {_header[0]}"),
        };
        if (length > bound)
        {
            throw new ShippingException(ShippingProblem.Protocol, $"{type} frame of {length} bytes (at most {bound})");
        }

        return (type, (int)length);
    }

    /// <summary>Reads a payload whose length <see cref="ReadHeaderAsync"/> has bounded.</summary>
    public async Task ReadPayloadAsync(Memory<byte> payload, CancellationToken cancellationToken)
    {
        try
        {
            await Stream.ReadExactlyAsync(payload, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw Lost("the stream ended inside a frame", ex);
        }
    }

    public async Task<byte[]> ReadPayloadAsync(int length, CancellationToken cancellationToken)
    {
        var payload = new byte[length];
        await ReadPayloadAsync(payload, cancellationToken);
        return payload;
    }

    /// <summary>Reads the next frame, which must be of <paramref name="expected"/> type (a small one: not a chunk).</summary>
    public async Task<byte[]> ExpectAsync(FrameType expected, CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(0, cancellationToken) ?? throw Lost($"the stream ended before the {expected} frame");
        if (header.Type != expected)
        {
            throw new ShippingException(ShippingProblem.Protocol, $"expected a {expected} frame, got {header.Type}");
        }

        return await ReadPayloadAsync(header.Length, cancellationToken);
    }

    public static TransferOffer ParseOffer(byte[] payload) => Parse<TransferOffer>(payload);

    public static Multicast.MulticastOffer ParseMulticastOffer(byte[] payload) => Parse<Multicast.MulticastOffer>(payload);

    private static T Parse<T>(byte[] payload)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, ShippingJson.Options) ?? throw new JsonException("null offer");
        }
        catch (JsonException ex)
        {
            throw new ShippingException(ShippingProblem.Protocol, $"malformed offer: {ex.Message}", ex);
        }
    }

    public static int ParseIndex(ReadOnlySpan<byte> payload, int chunkCount)
    {
        var index = payload.Length >= IndexBytes ? BinaryPrimitives.ReadInt32BigEndian(payload) : -1;
        return index >= 0 && index < chunkCount ? index : throw new ShippingException(ShippingProblem.Protocol, $"chunk index {index} out of range 0..{chunkCount - 1}");
    }

    public static HopReport ParseReport(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < ReportFixedBytes || !Enum.IsDefined((HopState)payload[1]))
        {
            throw new ShippingException(ShippingProblem.Protocol, "malformed report frame");
        }

        var message = payload.Length > ReportFixedBytes ? Encoding.UTF8.GetString(payload[ReportFixedBytes..]) : null;
        return new HopReport(payload[0], (HopState)payload[1], BinaryPrimitives.ReadInt64BigEndian(payload[2..]), message);
    }

    public ValueTask DisposeAsync()
    {
        _writeLock.Dispose();
        return Stream.DisposeAsync();
    }

    private static ShippingException Lost(string what, Exception? inner = null) => new(ShippingProblem.PeerLost, $"peer lost: {what}", inner);

    private async Task SendAsync(FrameType type, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = ArrayPool<byte>.Shared.Rent(HeaderBytes + payload.Length);
        try
        {
            frame[0] = (byte)type;
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
            payload.CopyTo(frame.AsSpan(HeaderBytes));
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await Stream.WriteAsync(frame.AsMemory(0, HeaderBytes + payload.Length), cancellationToken);
                await Stream.FlushAsync(cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
