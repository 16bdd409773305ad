using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// The receiving end of one stream: answers an offer with the chunks this host still needs (none when its cache holds
/// the bundle), checks every chunk against its hash and asks again for a bad one, forwards each verified chunk to the
/// next hop of a chain, and publishes the bundle into the cache once complete and verified. It reports its progress
/// and relays the reports of the hops after it.
/// </summary>
/// <param name="cache">This host's bundle cache.</param>
/// <param name="connector">Opens the stream to a chain's next hop; null refuses chains.</param>
/// <param name="freeBytes">Free bytes of the file system at a path (statvfs); tests may lower it.</param>
public sealed class BundleReceiver(BundleCache cache, HopConnector? connector, Func<string, long>? freeBytes = null)
{
    private readonly Func<string, long> _freeBytes = freeBytes ?? (path => new DriveInfo(path).AvailableFreeSpace);

    /// <summary>This host's uftpd settings for multicast offers; null refuses them (<see cref="ShippingProblem.Unsupported"/>).</summary>
    public MulticastReceiveOptions? Multicast { get; init; } = new();

    /// <summary>Serves one incoming transfer to the end.</summary>
    /// <returns>The final state of this host.</returns>
    /// <exception cref="ShippingException">The transfer failed (also reported to the sender when the stream still works).</exception>
    public async Task<HopReport> ReceiveAsync(Stream stream, CancellationToken cancellationToken)
    {
        await using var upstream = new ChunkChannel(stream);
        var first = await upstream.ReadHeaderAsync(0, cancellationToken) ?? throw new ShippingException(ShippingProblem.PeerLost, "peer lost: the stream ended before the offer");
        if (first.Type is not (FrameType.Offer or FrameType.MulticastOffer))
        {
            throw new ShippingException(ShippingProblem.Protocol, $"expected an offer frame, got {first.Type}");
        }

        var payload = await upstream.ReadPayloadAsync(first.Length, cancellationToken);
        var multicast = first.Type == FrameType.MulticastOffer ? ChunkChannel.ParseMulticastOffer(payload) : null;
        var offer = multicast?.Transfer ?? ChunkChannel.ParseOffer(payload);
        var manifest = offer.Manifest;
        try
        {
            manifest.Validate();
            if (multicast is not null)
            {
                multicast.Validate();
                if (Multicast is null)
                {
                    throw new ShippingException(ShippingProblem.Unsupported, "this host does not receive by multicast");
                }
            }

            if (offer.Route.Count > ShippingLimits.MaxRouteHops || (offer.Route.Count > 0 && connector is null))
            {
                throw new ShippingException(offer.Route.Count > 0 && connector is null ? ShippingProblem.Unsupported : ShippingProblem.Protocol, $"a route of {offer.Route.Count} hops (at most {ShippingLimits.MaxRouteHops}{(connector is null ? ", and this host does not forward" : "")})");
            }
        }
        catch (ShippingException ex)
        {
            await TryReportAsync(upstream, new HopReport(0, HopState.Failed, 0, ex.Message));
            throw;
        }

        using var held = await cache.LockAsync(manifest.BundleId, cancellationToken);
        return cache.Contains(manifest.BundleId)
            ? await ForwardHeldAsync(upstream, offer, cancellationToken)
            : await ReceiveMissingAsync(upstream, offer, multicast, cancellationToken);
    }

    private static async Task TryReportAsync(ChunkChannel channel, HopReport report)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await channel.SendReportAsync(report, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The sender is gone; it learns nothing more.
        }
    }

    /// <summary>Waits for the sender to close after the final report, so closing here never resets a report in flight.</summary>
    private static async Task DrainAsync(ChunkChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            while (await channel.ReadHeaderAsync(ShippingLimits.MaxChunkBytes, cancellationToken) is { } frame)
            {
                await channel.ReadPayloadAsync(frame.Length, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or ShippingException or ObjectDisposedException)
        {
        }
    }

    private async Task<HopReport> ForwardHeldAsync(ChunkChannel upstream, TransferOffer offer, CancellationToken cancellationToken)
    {
        var manifest = offer.Manifest;
        await upstream.SendNeedAsync(new byte[(manifest.ChunkCount + 7) / 8], cancellationToken);
        var report = new HopReport(0, HopState.AlreadyHeld, 0);
        await upstream.SendReportAsync(report, cancellationToken);
        if (offer.Route.Count > 0)
        {
            using var source = new HeldBundleSource(cache.PathOf(manifest.BundleId), manifest);
            await ForwardAsync(upstream, offer, source, cancellationToken);
        }

        await DrainAsync(upstream, cancellationToken);
        return report;
    }

    private async Task<HopReport> ReceiveMissingAsync(ChunkChannel upstream, TransferOffer offer, MulticastOffer? multicast, CancellationToken cancellationToken)
    {
        var manifest = offer.Manifest;
        StagedTransfer staged;
        try
        {
            var space = _freeBytes(cache.Root);
            if (manifest.TotalBytes > space + StagedBytes(manifest))
            {
                throw new ShippingException(ShippingProblem.NoSpace, $"bundle {manifest.BundleId} needs {manifest.TotalBytes} bytes, {cache.Root} has {space} free");
            }

            cache.MakeRoom(manifest.TotalBytes);
            staged = await StagedTransfer.OpenAsync(cache, manifest, cancellationToken);
        }
        catch (Exception ex) when (ex is ShippingException or IOException)
        {
            await TryReportAsync(upstream, new HopReport(0, HopState.Failed, 0, ex.Message));
            throw ex as ShippingException ?? new ShippingException(ShippingProblem.NoSpace, $"cannot stage bundle {manifest.BundleId}: {ex.Message}", ex);
        }

        Task? forwarding = null;
        using var stopForwarding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var need = new byte[(manifest.ChunkCount + 7) / 8];
            for (var i = 0; i < manifest.ChunkCount; i++)
            {
                if (!staged.IsVerified(i))
                {
                    need[i / 8] |= (byte)(1 << (i % 8));
                }
            }

            await upstream.SendNeedAsync(need, cancellationToken);
            string? detail = null;
            if (multicast is not null && !staged.IsComplete)
            {
                var spoolRoot = Multicast!.SpoolRoot ?? cache.Root;
                var (whileArriving, byMulticast, afterSession) = await MulticastIntake.RunAsync(upstream, multicast, need, staged, Multicast, spoolRoot, _freeBytes(spoolRoot) - (manifest.TotalBytes - staged.VerifiedBytes), cancellationToken);
                detail = string.Create(CultureInfo.InvariantCulture, $"by multicast {Mib(byMulticast)} MiB, {Mib(whileArriving)} of them opened while uftp ran, the rest in {afterSession.TotalSeconds:0.0} s after it");
            }

            if (offer.Route.Count > 0)
            {
                forwarding = ForwardAsync(upstream, offer, staged, stopForwarding.Token);
            }

            await ReceiveChunksAsync(upstream, manifest, staged, cancellationToken);
            if (forwarding is not null)
            {
                await forwarding;
            }

            var bytes = staged.VerifiedBytes;
            var publishing = Stopwatch.StartNew();
            await staged.PublishAsync(cancellationToken);
            detail = string.Join("; ", new[] { detail, string.Create(CultureInfo.InvariantCulture, $"flushed and published in {publishing.Elapsed.TotalSeconds:0.0} s") }.OfType<string>());
            var done = new HopReport(0, HopState.Done, bytes, detail);
            await upstream.SendReportAsync(done, cancellationToken);
            await DrainAsync(upstream, cancellationToken);
            return done;
        }
        catch (Exception ex) when (ex is ShippingException or IOException or ObjectDisposedException)
        {
            var failure = ex as ShippingException ?? new ShippingException(ShippingProblem.PeerLost, $"peer lost: {ex.Message}", ex);
            staged.Fail(failure);
            if (failure.Problem is ShippingProblem.NoSpace or ShippingProblem.Corrupted)
            {
                staged.Discard();
            }

            await TryReportAsync(upstream, new HopReport(0, HopState.Failed, staged.VerifiedBytes, failure.Message));
            if (forwarding is not null)
            {
                await forwarding.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            // Closing with the sender's chunks unread would reset the connection and could drop the report in flight.
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            linger.CancelAfter(ShippingLimits.FailureLinger);
            await DrainAsync(upstream, linger.Token).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw failure;
        }
        finally
        {
            staged.Dispose();
        }
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);

    /// <summary>Bytes a previous, interrupted transfer of this bundle already holds in staging (they need no new space).</summary>
    private long StagedBytes(TransferManifest manifest)
    {
        var staging = new DirectoryInfo(cache.StagingOf(manifest.BundleId));
        return staging.Exists ? staging.EnumerateFiles().Where(f => manifest.Files.Any(m => m.Name == f.Name)).Sum(f => Math.Min(f.Length, manifest.TotalBytes)) : 0;
    }

    private static async Task ReceiveChunksAsync(ChunkChannel upstream, TransferManifest manifest, StagedTransfer staged, CancellationToken cancellationToken)
    {
        var buffer = new byte[manifest.ChunkBytes];
        var bad = new Dictionary<int, int>();
        while (!staged.IsComplete)
        {
            var header = await upstream.ReadHeaderAsync(manifest.ChunkBytes, cancellationToken)
                ?? throw new ShippingException(ShippingProblem.PeerLost, $"peer lost: the sender closed the stream with {staged.VerifiedBytes} of {manifest.TotalBytes} bytes verified");
            if (header.Type != FrameType.Chunk || header.Length < 4)
            {
                throw new ShippingException(ShippingProblem.Protocol, $"expected a chunk frame, got {header.Type}");
            }

            var index = ChunkChannel.ParseIndex(await upstream.ReadPayloadAsync(4, cancellationToken), manifest.ChunkCount);
            var length = manifest.Locate(index).Length;
            if (header.Length - 4 != length)
            {
                throw new ShippingException(ShippingProblem.Protocol, $"chunk {index} of {header.Length - 4} bytes, the manifest says {length}");
            }

            var data = buffer.AsMemory(0, length);
            await upstream.ReadPayloadAsync(data, cancellationToken);
            if (await staged.AcceptAsync(index, data, cancellationToken))
            {
                await upstream.SendReportAsync(new HopReport(0, HopState.Receiving, staged.VerifiedBytes), cancellationToken);
                continue;
            }

            bad[index] = bad.GetValueOrDefault(index) + 1;
            if (bad[index] > ShippingLimits.MaxResendsPerChunk)
            {
                throw new ShippingException(ShippingProblem.Corrupted, $"chunk {index} arrived corrupted {bad[index]} times");
            }

            await upstream.SendNackAsync(index, cancellationToken);
        }
    }

    /// <summary>Sends the chunks along the chain's next hop as they are verified, relaying its reports one hop further up.</summary>
    private async Task ForwardAsync(ChunkChannel upstream, TransferOffer offer, IChunkSource source, CancellationToken cancellationToken)
    {
        var next = new TransferOffer { Manifest = offer.Manifest, Route = [.. offer.Route.Skip(1)] };
        Stream stream;
        try
        {
            stream = await connector!(offer.Route[0], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ShippingException)
        {
            for (var hop = 0; hop < offer.Route.Count; hop++)
            {
                await TryReportAsync(upstream, new HopReport(hop + 1, HopState.Failed, 0, $"cannot reach {offer.Route[0]}: {ex.Message}"));
            }

            return;
        }

        await using var downstream = new ChunkChannel(stream);
        await ChunkLeg.RunAsync(downstream, next, source, report => TryReportAsync(upstream, report with { Hop = report.Hop + 1 }), cancellationToken);
    }
}
