using System.Threading.Channels;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// The sending end of one stream: offers the bundle, sends the chunks the receiver needs (as the source makes them
/// available), sends again any chunk the receiver reports corrupted, and relays the receiver's reports (its own and
/// those of the hops after it) until every hop has reported a final state.
/// </summary>
internal static class ChunkLeg
{
    /// <returns>The final report of each hop (index = hop) and the bytes this leg sent.</returns>
    public static Task<(HopReport[] Finals, long BytesSent)> RunAsync(
        ChunkChannel channel, TransferOffer offer, IChunkSource source, Func<HopReport, Task> onReport, CancellationToken cancellationToken)
        => RunAsync(channel, offer, source, onReport, null, cancellationToken);

    /// <summary>As above; for a multicast's leg (hooks given) the chunks come by uftp and the stream only repairs what the receiver asks for again.</summary>
    public static async Task<(HopReport[] Finals, long BytesSent)> RunAsync(
        ChunkChannel channel, TransferOffer offer, IChunkSource source, Func<HopReport, Task> onReport, MulticastLegHooks? multicast, CancellationToken cancellationToken)
    {
        var manifest = offer.Manifest;
        var hops = offer.Route.Count + 1;
        var finals = new HopReport?[hops];
        long sent = 0;
        try
        {
            await (multicast is null ? channel.SendOfferAsync(offer, cancellationToken) : multicast.SendOfferAsync(channel, cancellationToken));
            var header = await channel.ReadHeaderAsync(0, cancellationToken) ?? throw new ShippingException(ShippingProblem.PeerLost, "peer lost: the stream ended before the answer to the offer");
            var payload = await channel.ReadPayloadAsync(header.Length, cancellationToken);
            if (header.Type == FrameType.Report)
            {
                await RecordAsync(ChunkChannel.ParseReport(payload));
                return (await FinishAsync("the first hop refused the bundle"), 0);
            }

            if (header.Type != FrameType.Need || payload.Length != (manifest.ChunkCount + 7) / 8)
            {
                throw new ShippingException(ShippingProblem.Protocol, $"expected a need bitmap of {(manifest.ChunkCount + 7) / 8} bytes, got {header.Type} of {payload.Length}");
            }

            var queue = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
            multicast?.OnNeed(payload);
            for (var i = 0; i < manifest.ChunkCount && multicast is null; i++)
            {
                if ((payload[i / 8] & (1 << (i % 8))) != 0)
                {
                    queue.Writer.TryWrite(i);
                }
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sending = SendAsync(channel, manifest, source, queue.Reader, n => Interlocked.Add(ref sent, n), stop.Token);
            _ = sending.ContinueWith(
                // A source that can no longer deliver (a chain hop whose own upstream failed) ends the leg: closing
                // the stream wakes the reader, and the hops after it report or are marked failed.
                _ => channel.Stream.Dispose(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            var resends = new Dictionary<int, int>();
            try
            {
                while (finals.Any(f => f is null))
                {
                    var frame = await channel.ReadHeaderAsync(0, cancellationToken);
                    if (frame is null)
                    {
                        break;
                    }

                    var body = await channel.ReadPayloadAsync(frame.Value.Length, cancellationToken);
                    switch (frame.Value.Type)
                    {
                        case FrameType.Nack:
                            var index = ChunkChannel.ParseIndex(body, manifest.ChunkCount);
                            resends[index] = resends.GetValueOrDefault(index) + 1;
                            if (resends[index] > ShippingLimits.MaxResendsPerChunk)
                            {
                                throw new ShippingException(ShippingProblem.Corrupted, $"chunk {index} arrived corrupted {resends[index]} times");
                            }

                            queue.Writer.TryWrite(index);
                            break;
                        case FrameType.Report:
                            await RecordAsync(ChunkChannel.ParseReport(body));
                            break;
                        case FrameType.MulticastReady when multicast is not null:
                            multicast.OnReady(channel);
                            break;
                        default:
                            throw new ShippingException(ShippingProblem.Protocol, $"unexpected {frame.Value.Type} frame from a receiver");
                    }
                }
            }
            finally
            {
                queue.Writer.TryComplete();
                await stop.CancelAsync();
                try
                {
                    await sending;
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or ShippingException or ObjectDisposedException)
                {
                    // The reader decides how the leg ends; a send cut short by it says nothing more.
                }
            }

            return (await FinishAsync("the stream ended before the hop reported"), Interlocked.Read(ref sent));
        }
        catch (Exception ex) when (ex is IOException or ShippingException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return (await FinishAsync(ex.Message), Interlocked.Read(ref sent));
        }

        async Task RecordAsync(HopReport report)
        {
            if (report.Hop >= hops)
            {
                throw new ShippingException(ShippingProblem.Protocol, $"a report for hop {report.Hop} of {hops}");
            }

            if (report.IsFinal)
            {
                finals[report.Hop] ??= report;
            }

            await onReport(report);
        }

        async Task<HopReport[]> FinishAsync(string why)
        {
            for (var hop = 0; hop < hops; hop++)
            {
                if (finals[hop] is null)
                {
                    await RecordAsync(new HopReport(hop, HopState.Failed, 0, why));
                }
            }

            return [.. finals.Select(f => f!)];
        }
    }

    private static async Task SendAsync(ChunkChannel channel, TransferManifest manifest, IChunkSource source, ChannelReader<int> queue, Action<long> onSent, CancellationToken cancellationToken)
    {
        var buffer = new byte[manifest.ChunkBytes];
        await foreach (var index in queue.ReadAllAsync(cancellationToken))
        {
            var length = manifest.Locate(index).Length;
            await source.ReadAsync(index, buffer.AsMemory(0, length), cancellationToken);
            await channel.SendChunkAsync(index, buffer.AsMemory(0, length), cancellationToken);
            onSent(length);
        }
    }
}
