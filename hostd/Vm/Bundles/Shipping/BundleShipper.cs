using System.Diagnostics;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// The source of a distribution: cuts a bundle into chunks once and sends it to the receiving hosts either by unicast
/// fan-out (one stream per host, at most <see cref="ShipOptions.ParallelStreams"/> at once) or along a pipelined
/// chain (one stream to the first host, which forwards each verified chunk to the next at once), or by multicast
/// (uftp sends the chunks, sealed with AES-256-GCM, once to every host; each host's stream carries the key and repairs).
/// </summary>
/// <param name="connector">Opens the stream to a receiving host.</param>
/// <param name="loggers">Logs the multicast's uftp sessions (the image service's distribution events); null logs nothing.</param>
/// <param name="manifests">Cuts a bundle into its transfer manifest; default <see cref="TransferManifest.CreateAsync"/> (hostd
/// passes a cache, so a second distribution of a bundle does not hash it again).</param>
public sealed class BundleShipper(HopConnector connector, ILoggerFactory? loggers = null, Func<string, int, CancellationToken, Task<TransferManifest>>? manifests = null)
{
    private readonly Func<string, int, CancellationToken, Task<TransferManifest>> _manifests = manifests ?? TransferManifest.CreateAsync;

    /// <summary>Sends the bundle in <paramref name="bundleDirectory"/> to every host, each on its own stream.</summary>
    public async Task<IReadOnlyList<ShipResult>> UnicastAsync(
        string bundleDirectory, IReadOnlyList<string> hosts, ShipOptions options, IProgress<ShipProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ParallelStreams, 1);
        var manifest = await _manifests(bundleDirectory, options.ChunkBytes, cancellationToken);
        using var source = new HeldBundleSource(bundleDirectory, manifest);
        var results = new ShipResult[hosts.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, hosts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.ParallelStreams, CancellationToken = cancellationToken },
            async (i, token) => results[i] = (await RunLegAsync(manifest, source, [hosts[i]], progress, token))[0]);
        return results;
    }

    /// <summary>Sends the bundle along <paramref name="hosts"/> in order: the source feeds the first, each host the next.</summary>
    public async Task<IReadOnlyList<ShipResult>> ChainAsync(
        string bundleDirectory, IReadOnlyList<string> hosts, ShipOptions options, IProgress<ShipProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(hosts.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hosts.Count - 1, ShippingLimits.MaxRouteHops);
        var manifest = await _manifests(bundleDirectory, options.ChunkBytes, cancellationToken);
        using var source = new HeldBundleSource(bundleDirectory, manifest);
        return await RunLegAsync(manifest, source, hosts, progress, cancellationToken);
    }

    /// <summary>
    /// Multicasts the bundle in <paramref name="bundleDirectory"/> to every host with uftp: each chunk sealed with
    /// AES-256-GCM under a key made for this transfer, which, like the manifest, reaches each host only over its own
    /// stream; a host's stream then carries again whatever did not arrive intact.
    /// </summary>
    /// <exception cref="ShippingException"><see cref="ShippingProblem.Unsupported"/>: uftp is not installed on this host.</exception>
    public async Task<IReadOnlyList<ShipResult>> MulticastAsync(
        string bundleDirectory, IReadOnlyList<string> hosts, MulticastShipOptions options, IProgress<ShipProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfZero(hosts.Count);
        if (hosts.Distinct(StringComparer.Ordinal).Count() != hosts.Count)
        {
            throw new ArgumentException("a multicast goes to distinct hosts", nameof(hosts));
        }

        try
        {
            MulticastDistributor.FindTool(options.Program);
        }
        catch (MulticastToolMissingException ex)
        {
            throw new ShippingException(ShippingProblem.Unsupported, $"this (the source) host cannot multicast: {ex.Message}", ex);
        }

        var manifest = await _manifests(bundleDirectory, options.ChunkBytes, cancellationToken);
        using var source = new HeldBundleSource(bundleDirectory, manifest);
        return await MulticastSender.RunAsync(
            manifest,
            source,
            hosts.Count,
            options,
            new MulticastDistributor(loggers?.CreateLogger<MulticastDistributor>()),
            async (i, hooks) => (await RunLegAsync(manifest, source, [hosts[i]], progress, cancellationToken, hooks))[0] is var result && result is { Succeeded: false, Message: { } why }
                ? result with { Message = $"{hosts[i]}: {why}" }
                : result,
            cancellationToken);
    }

    private async Task<ShipResult[]> RunLegAsync(
        TransferManifest manifest, IChunkSource source, IReadOnlyList<string> route, IProgress<ShipProgress>? progress, CancellationToken cancellationToken, MulticastLegHooks? multicast = null)
    {
        var clock = Stopwatch.StartNew();
        var elapsed = new TimeSpan[route.Count];
        var verified = new long[route.Count];
        Task OnReport(HopReport report)
        {
            var seconds = clock.Elapsed.TotalSeconds;
            verified[report.Hop] = Math.Max(verified[report.Hop], report.Bytes);
            var rate = seconds > 0 ? report.Bytes / seconds : 0;
            TimeSpan? eta = report.IsFinal ? TimeSpan.Zero : rate > 0 ? TimeSpan.FromSeconds((manifest.TotalBytes - report.Bytes) / rate) : null;
            if (report.IsFinal)
            {
                elapsed[report.Hop] = clock.Elapsed;
            }

            progress?.Report(new ShipProgress(route[report.Hop], report.State, report.Bytes, manifest.TotalBytes, rate, eta, report.Message));
            return Task.CompletedTask;
        }

        (HopReport[] Finals, long BytesSent) outcome;
        try
        {
            var stream = await connector(route[0], cancellationToken);
            await using var channel = new ChunkChannel(stream);
            outcome = await ChunkLeg.RunAsync(channel, new TransferOffer { Manifest = manifest, Route = [.. route.Skip(1)] }, source, OnReport, multicast, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            outcome = ([.. route.Select((_, hop) => new HopReport(hop, HopState.Failed, 0, $"cannot reach {route[0]}: {ex.Message}"))], 0);
        }

        return [.. outcome.Finals.Select((f, hop) => new ShipResult(route[hop], f.State, Math.Max(verified[hop], f.Bytes), hop == 0 ? outcome.BytesSent : 0, elapsed[hop] == default ? clock.Elapsed : elapsed[hop], f.Message))];
    }
}
