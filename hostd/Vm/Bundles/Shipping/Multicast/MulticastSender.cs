using System.Security.Cryptography;
using Jumpstart.Hostd.Images.Distribution;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>
/// The source's side of a multicast: one stream per host carries the offer with the key; once every host that needs
/// chunks has its uftpd listening (or <see cref="MulticastShipOptions.ReadyTimeout"/> passed) the union of their needs
/// is sealed chunk by chunk into one spool file and uftp sends it once to all of them; then each stream gets
/// MulticastSent, and from there on serves only the chunks its receiver asks for again.
/// </summary>
internal static class MulticastSender
{
    /// <summary>How much of the spool is sealed before uftp starts (at least the first chunk).</summary>
    private const long HeadStartBytes = 64L << 20;

    /// <summary>Runs the multicast to <paramref name="hosts"/> hosts; runLeg(i, hooks) runs host i's leg with the given hooks to its end.</summary>
    public static async Task<ShipResult[]> RunAsync(
        TransferManifest manifest, IChunkSource source, int hosts, MulticastShipOptions options, MulticastDistributor uftp, Func<int, MulticastLegHooks, Task<ShipResult>> runLeg, CancellationToken cancellationToken)
    {
        var key = ChunkCipher.NewKey();
        var bitmapBytes = (manifest.ChunkCount + 7) / 8;
        var ready = new TaskCompletionSource<ChunkChannel?>[hosts];
        var needs = new byte[]?[hosts];
        var legs = new Task<ShipResult>[hosts];
        try
        {
            for (var i = 0; i < hosts; i++)
            {
                var host = i;
                ready[host] = new TaskCompletionSource<ChunkChannel?>(TaskCreationOptions.RunContinuationsAsynchronously);
                var offer = new MulticastOffer { Transfer = new TransferOffer { Manifest = manifest }, Key = key, Group = options.Group, Port = options.Port, ClientId = (uint)(host + 1) };
                var hooks = new MulticastLegHooks(
                    (channel, token) => channel.SendMulticastOfferAsync(offer, token),
                    need =>
                    {
                        needs[host] = need;
                        if (need.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                        {
                            ready[host].TrySetResult(null);
                        }
                    },
                    channel => ready[host].TrySetResult(channel));
                legs[host] = runLeg(host, hooks);
                _ = legs[host].ContinueWith(_ => ready[host].TrySetResult(null), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            try
            {
                await Task.WhenAll(ready.Select(r => r.Task)).WaitAsync(options.ReadyTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The hosts not ready by now get every chunk over their streams.
            }

            var joined = Enumerable.Range(0, hosts).Where(i => ready[i].Task is { IsCompletedSuccessfully: true, Result: not null }).ToList();
            var union = new byte[bitmapBytes];
            foreach (var i in joined)
            {
                for (var b = 0; b < bitmapBytes; b++)
                {
                    union[b] |= needs[i]![b];
                }
            }

            if (joined.Count > 0)
            {
                await SendByUftpAsync(uftp, manifest, source, key, union, [.. joined.Select(i => (uint)(i + 1))], options, cancellationToken);
            }

            foreach (var i in Enumerable.Range(0, hosts))
            {
                _ = TellSentAsync(ready[i].Task, joined.Contains(i) ? union : new byte[bitmapBytes], cancellationToken);
            }

            return await Task.WhenAll(legs);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Seals the chunks of <paramref name="union"/> into a spool file and runs uftp once; a failed session leaves the
    /// repair to the streams. The file is sized first and uftp starts once the first <see cref="HeadStartBytes"/> are
    /// sealed, the rest sealed while it sends: sealing (about 1 GB/s) stays far ahead of any link uftp feeds, and
    /// sealing everything first kept every receiver waiting for it (a second or more per GiB). Should uftp ever read a
    /// part not sealed yet, it sends zeros there: those chunks fail their tag and come again over the streams.
    /// </summary>
    private static async Task SendByUftpAsync(
        MulticastDistributor uftp, TransferManifest manifest, IChunkSource source, byte[] key, byte[] union, IReadOnlyList<uint> receivers, MulticastShipOptions options, CancellationToken cancellationToken)
    {
        var spool = Path.Combine(options.SpoolDirectory ?? Path.GetTempPath(), $"jumpstart-multicast-{Guid.NewGuid():N}");
        using var stopSealing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task sealing = Task.CompletedTask;
        SafeFileHandle? output = null;
        try
        {
            ChunkCipher.CreateSpool(spool);
            var file = Path.Combine(spool, ChunkCipher.SpoolFileName);
            var layout = ChunkCipher.Layout(manifest, union).ToArray();
            output = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write, FileShare.Read, FileOptions.Asynchronous);
            RandomAccess.SetLength(output, layout.Sum(c => (long)c.Length));
            var head = 0;
            while (head < layout.Length && layout[head].Offset < HeadStartBytes)
            {
                head++;
            }

            await SealAsync(layout[..head], manifest, source, key, output, cancellationToken);
            sealing = SealAsync(layout[head..], manifest, source, key, output, stopSealing.Token);
            await uftp.SendAsync(
                new MulticastSendOptions
                {
                    File = file,
                    DestinationName = ChunkCipher.SpoolFileName,
                    Receivers = receivers,
                    Group = options.Session,
                    RateKbps = options.RateKbps,
                    BlockBytes = options.BlockBytes,
                    Timeout = options.SessionTimeout,
                    Program = options.Program,
                    CommandPrefix = options.CommandPrefix,
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is MulticastException or IOException or ShippingException)
        {
            // Whatever did not arrive by multicast each receiver asks for again over its stream (the distributor logged why uftp failed).
        }
        finally
        {
            await stopSealing.CancelAsync();
            await sealing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

            // Closed only once the background sealing has ended: it writes through this handle.
            output?.Dispose();
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }
    }

    private static async Task SealAsync(
        ArraySegment<(int Index, long Offset, int Length)> chunks, TransferManifest manifest, IChunkSource source, byte[] key, SafeFileHandle output, CancellationToken cancellationToken)
    {
        using var cipher = new ChunkCipher(key, manifest.BundleId);
        var plain = new byte[manifest.ChunkBytes];
        var sealedChunk = new byte[manifest.ChunkBytes + ChunkCipher.TagBytes];
        foreach (var (index, offset, length) in chunks)
        {
            var data = plain.AsMemory(0, length - ChunkCipher.TagBytes);
            await source.ReadAsync(index, data, cancellationToken);
            cipher.Seal(index, data.Span, sealedChunk.AsSpan(0, length));
            await RandomAccess.WriteAsync(output, sealedChunk.AsMemory(0, length), offset, cancellationToken);
        }
    }

    /// <summary>Once a host is ready, tells it which chunks uftp carried (none for a host that joined too late).</summary>
    private static async Task TellSentAsync(Task<ChunkChannel?> ready, byte[] sent, CancellationToken cancellationToken)
    {
        if (await ready is not { } channel)
        {
            return;
        }

        try
        {
            await channel.SendMulticastSentAsync(sent, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The leg ended; its result says how.
        }
    }
}
