using System.Diagnostics;
using System.Runtime.InteropServices;
using Jumpstart.Hostd.Images.Distribution;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>
/// A receiver's part of a multicast: starts uftpd into a private spool directory, says ready, waits for the source's
/// MulticastSent, then opens every sealed chunk it needs (AES-GCM tag, then the manifest's SHA-256) into the staged
/// transfer and asks over the stream for each chunk that is missing or failed either check. The spool (ciphertext
/// only) is removed in every outcome.
/// A receiver that needs every chunk knows the spool's layout before MulticastSent (the source seals the union of the
/// needs, here all chunks), so it opens chunks while uftpd is still writing them: a chunk not written yet fails its tag
/// and is tried again later. Opening only after the session made every receiver decrypt, hash and write the whole
/// bundle at the same moment (1 GiB to seven receivers: 1.66-1.78x the link's ideal time instead of uftp's 1.11x).
/// </summary>
internal static class MulticastIntake
{
    private const string SpoolPrefix = ".multicast-";

    /// <summary>fallocate(2) FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE.</summary>
    private const int FallocKeepSizePunchHole = 3;

    /// <summary>How often the spool is looked at while uftpd writes it.</summary>
    private const int ArrivalPollMilliseconds = 250;

    /// <summary>Runs the multicast part of a transfer; the chunks it Nack'ed then come as ordinary chunk frames.</summary>
    /// <returns>What the session brought: bytes opened while uftp still ran, and in all; the time from the source's MulticastSent to the end of this.</returns>
    /// <exception cref="ShippingException">uftpd missing or failed (<see cref="ShippingProblem.Unsupported"/>), no room for the spool, a protocol error.</exception>
    public static async Task<(long WhileArriving, long Total, TimeSpan AfterSession)> RunAsync(
        ChunkChannel upstream, MulticastOffer offer, byte[] need, StagedTransfer staged, MulticastReceiveOptions options, string spoolRoot, long freeBytes, CancellationToken cancellationToken)
    {
        var manifest = offer.Transfer.Manifest;
        var spool = Path.Combine(spoolRoot, SpoolPrefix + manifest.BundleId);
        var before = staged.VerifiedBytes;
        long whileArriving = 0;
        var sentAt = 0L;
        var spoolBound = manifest.TotalBytes + ((long)manifest.ChunkCount * ChunkCipher.TagBytes);
        if (spoolBound > freeBytes)
        {
            throw new ShippingException(ShippingProblem.NoSpace, $"the multicast spool of bundle {manifest.BundleId} needs up to {spoolBound} bytes, {spoolRoot} has {freeBytes} free");
        }

        try
        {
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }

            ChunkCipher.CreateSpool(spool);
            byte[] sent;
            await using (var uftpd = await StartAsync(offer, options, spool, cancellationToken))
            {
                await upstream.SendMulticastReadyAsync(cancellationToken);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                session.CancelAfter(options.SessionTimeout);
                using var stopEarly = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var early = options.OpenWhileArriving && NeedsAll(need, manifest.ChunkCount)
                    ? OpenWhileArrivingAsync(upstream, offer, need, staged, spool, stopEarly.Token)
                    : Task.CompletedTask;
                try
                {
                    sent = await upstream.ExpectAsync(FrameType.MulticastSent, session.Token);
                    sentAt = Stopwatch.GetTimestamp();
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ShippingException(ShippingProblem.PeerLost, $"peer lost: the source did not finish its uftp session within {options.SessionTimeout.TotalMinutes:0} min");
                }
                finally
                {
                    await stopEarly.CancelAsync();
                    await early;
                    whileArriving = staged.VerifiedBytes - before;
                }
            }

            if (sent.Length != need.Length)
            {
                throw new ShippingException(ShippingProblem.Protocol, $"a sent bitmap of {sent.Length} bytes, expected {need.Length}");
            }

            var file = Path.Combine(spool, ChunkCipher.SpoolFileName);
            options.BeforeDecrypt?.Invoke(file);
            await OpenAsync(upstream, offer, sent, staged, file, cancellationToken);
        }
        finally
        {
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }

        for (var i = 0; i < manifest.ChunkCount; i++)
        {
            if ((need[i / 8] & (1 << (i % 8))) != 0 && !staged.IsVerified(i))
            {
                await upstream.SendNackAsync(i, cancellationToken);
            }
        }

        return (whileArriving, staged.VerifiedBytes - before, Stopwatch.GetElapsedTime(sentAt));
    }

    private static async Task<MulticastReceiver> StartAsync(MulticastOffer offer, MulticastReceiveOptions options, string spool, CancellationToken cancellationToken)
    {
        try
        {
            return await new MulticastDistributor().StartReceiverAsync(
                new MulticastReceiverOptions
                {
                    DestinationDirectory = spool,
                    ClientId = offer.ClientId,
                    Group = new MulticastGroup(offer.Group, offer.Port, options.Interface),
                    Program = options.Program,
                    CommandPrefix = options.CommandPrefix,
                },
                cancellationToken);
        }
        catch (MulticastToolMissingException ex)
        {
            throw new ShippingException(ShippingProblem.Unsupported, $"this host cannot receive by multicast: {ex.Message}", ex);
        }
        catch (MulticastException ex)
        {
            throw new ShippingException(ShippingProblem.Unsupported, $"this host cannot receive by multicast: {ex.Message}", ex);
        }
    }

    private static bool NeedsAll(byte[] need, int chunkCount)
    {
        for (var i = 0; i < chunkCount; i++)
        {
            if ((need[i / 8] & (1 << (i % 8))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// While uftpd writes the spool (<c>uftpd -t</c>: under a temporary name until the file is complete), opens the
    /// chunks from the first unverified one on, and stops each round at the second chunk in a row beyond the furthest
    /// one opened that fails (where uftpd is writing); a chunk behind that one that fails is a hole a later uftp pass
    /// fills, tried again next round. Ends when cancelled; whatever it did not open, the final pass does.
    /// </summary>
    private static async Task OpenWhileArrivingAsync(ChunkChannel upstream, MulticastOffer offer, byte[] layout, StagedTransfer staged, string spool, CancellationToken cancellationToken)
    {
        var manifest = offer.Transfer.Manifest;
        var chunks = ChunkCipher.Layout(manifest, layout).ToArray();
        using var cipher = new ChunkCipher(offer.Key, manifest.BundleId);
        var sealedChunk = new byte[manifest.ChunkBytes + ChunkCipher.TagBytes];
        var plain = new byte[manifest.ChunkBytes];
        var front = -1;
        try
        {
            while (true)
            {
                await Task.Delay(ArrivalPollMilliseconds, cancellationToken);
                if (Directory.EnumerateFiles(spool, ChunkCipher.SpoolFileName + "*").FirstOrDefault() is not { } file)
                {
                    continue;
                }

                using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
                var failed = 0;
                foreach (var (index, offset, length) in chunks)
                {
                    if (failed >= 2 || cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    if (staged.IsVerified(index))
                    {
                        continue;
                    }

                    if (await TryOpenAsync(upstream, staged, cipher, handle, index, sealedChunk.AsMemory(0, length), offset, plain, cancellationToken))
                    {
                        front = Math.Max(front, index);
                        failed = 0;
                    }
                    else if (index > front)
                    {
                        // Behind the front a failure is a hole (a lost datagram, filled by uftp's next pass): go on.
                        failed++;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ShippingException)
        {
            // Cancelled when MulticastSent came; a file renamed under it or a failed write is the final pass's to meet.
        }
    }

    /// <summary>Reads one sealed chunk at <paramref name="offset"/> and, when its tag and hash check, accepts it and reports progress.</summary>
    private static async Task<bool> TryOpenAsync(
        ChunkChannel upstream, StagedTransfer staged, ChunkCipher cipher, SafeFileHandle handle, int index, Memory<byte> data, long offset, byte[] plain, CancellationToken cancellationToken)
    {
        if (await RandomAccess.ReadAsync(handle, data, offset, cancellationToken) != data.Length)
        {
            return false;
        }

        var opened = plain.AsMemory(0, data.Length - ChunkCipher.TagBytes);
        if (!cipher.TryOpen(index, data.Span, opened.Span) || !await staged.AcceptAsync(index, opened, cancellationToken))
        {
            return false;
        }

        // The ciphertext is of no more use: dropping it from the spool keeps its pages from being written to disk (seven
        // receivers on one disk wrote a second copy of every bundle, and removing the spool then waited for that I/O).
        _ = PunchHole(handle, FallocKeepSizePunchHole, offset, data.Length);
        await upstream.SendReportAsync(new HopReport(0, HopState.Receiving, staged.VerifiedBytes), cancellationToken);
        return true;
    }

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int PunchHole(SafeFileHandle fd, int mode, long offset, long length);

    /// <summary>Opens each sealed chunk of the spool file this host still needs; a chunk that is missing or fails a check stays unverified.</summary>
    private static async Task OpenAsync(ChunkChannel upstream, MulticastOffer offer, byte[] sent, StagedTransfer staged, string file, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            return;
        }

        var manifest = offer.Transfer.Manifest;
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous);
        var size = RandomAccess.GetLength(handle);
        using var cipher = new ChunkCipher(offer.Key, manifest.BundleId);
        var sealedChunk = new byte[manifest.ChunkBytes + ChunkCipher.TagBytes];
        var plain = new byte[manifest.ChunkBytes];
        foreach (var (index, offset, length) in ChunkCipher.Layout(manifest, sent))
        {
            if (staged.IsVerified(index) || offset + length > size)
            {
                continue;
            }

            await TryOpenAsync(upstream, staged, cipher, handle, index, sealedChunk.AsMemory(0, length), offset, plain, cancellationToken);
        }
    }
}
