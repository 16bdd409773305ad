using Jumpstart.Hostd.Images.Distribution;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>
/// A receiver's part of a multicast: starts uftpd into a private spool directory, says ready, waits for the source's
/// MulticastSent, then opens every sealed chunk it needs (AES-GCM tag, then the manifest's SHA-256) into the staged
/// transfer and asks over the stream for each chunk that is missing or failed either check. The spool (ciphertext
/// only) is removed in every outcome.
/// </summary>
internal static class MulticastIntake
{
    private const string SpoolPrefix = ".multicast-";

    /// <summary>Runs the multicast part of a transfer; the chunks it Nack'ed then come as ordinary chunk frames.</summary>
    /// <exception cref="ShippingException">uftpd missing or failed (<see cref="ShippingProblem.Unsupported"/>), no room for the spool, a protocol error.</exception>
    public static async Task RunAsync(
        ChunkChannel upstream, MulticastOffer offer, byte[] need, StagedTransfer staged, MulticastReceiveOptions options, string spoolRoot, long freeBytes, CancellationToken cancellationToken)
    {
        var manifest = offer.Transfer.Manifest;
        var spool = Path.Combine(spoolRoot, SpoolPrefix + manifest.BundleId);
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
                try
                {
                    sent = await upstream.ExpectAsync(FrameType.MulticastSent, session.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ShippingException(ShippingProblem.PeerLost, $"peer lost: the source did not finish its uftp session within {options.SessionTimeout.TotalMinutes:0} min");
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

    /// <summary>Opens each sealed chunk of the spool file this host still needs; a chunk that is missing or fails a check stays unverified.</summary>
    private static async Task OpenAsync(ChunkChannel upstream, MulticastOffer offer, byte[] sent, StagedTransfer staged, string file, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            return;
        }

        var manifest = offer.Transfer.Manifest;
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
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

            var data = sealedChunk.AsMemory(0, length);
            if (await RandomAccess.ReadAsync(handle, data, offset, cancellationToken) != length)
            {
                continue;
            }

            var opened = plain.AsMemory(0, length - ChunkCipher.TagBytes);
            if (cipher.TryOpen(index, data.Span, opened.Span) && await staged.AcceptAsync(index, opened, cancellationToken))
            {
                await upstream.SendReportAsync(new HopReport(0, HopState.Receiving, staged.VerifiedBytes), cancellationToken);
            }
        }
    }
}
