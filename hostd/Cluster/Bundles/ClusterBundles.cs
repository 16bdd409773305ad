using System.Collections.Concurrent;
using System.Globalization;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cluster.Bundles;

/// <summary>
/// This host's part in bundle shipping (hostd/Vm/Bundles/Shipping) once it is in a cluster: its bundle cache
/// ({StateDirectory}/bundle-cache, <see cref="ClusterOptions.BundleCacheSize"/>, never evicting a bundle a VM uses), the
/// receiver on the cluster port (ALPN <see cref="ClusterProtocols.Bundle"/>: any member may offer, the TLS handshake
/// already proved who it is), and the sending side of <c>jumpstart bundle distribute</c>. Every byte of a bundle goes
/// over the cluster's mutual TLS.
/// </summary>
public sealed class ClusterBundles
{
    /// <summary>Transfer manifests kept in memory (a bundle's chunk hashes), so a repeated distribution does not read it again.</summary>
    private const int MaxManifests = 64;

    /// <summary>Progress notes per host and second, at most (the last one always goes).</summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<(string Directory, long Stamp, int ChunkBytes), Task<TransferManifest>> _manifests = new();
    private readonly VmHost? _vms;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    public ClusterBundles(IOptions<ClusterOptions> options, IOptions<HostdOptions> hostd, ILoggerFactory loggers, VmHost? vms = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hostd);
        _vms = vms;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ClusterBundles>();
        Settings = options.Value;
        Store = new BundleStore(hostd.Value.StateDirectory);
        ChunkBytes = (int)Quantities.ParseBytes(Settings.BundleChunkSize);
        Cache = new BundleCache(Store.CacheRoot, Quantities.ParseBytes(Settings.BundleCacheSize), InUse);
    }

    public ClusterOptions Settings { get; }

    public BundleStore Store { get; }

    public BundleCache Cache { get; }

    public int ChunkBytes { get; }

    /// <summary>Serves incoming transfers on <paramref name="transport"/>'s cluster port.</summary>
    public void Attach(ClusterTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        transport.Map(ClusterProtocols.Bundle, (connection, stopping) => ReceiveAsync(transport, connection, stopping));
    }

    /// <summary>The bundles this host can send, for the manager's holdings: its own bundles' names and ids, and the cache's ids.</summary>
    public IReadOnlyList<string> Holdings()
    {
        var held = new List<string>();
        foreach (var name in Store.List())
        {
            held.Add(name);
            if (IdOf(Store.PathOf(name)) is { } id)
            {
                held.Add(id);
            }
        }

        held.AddRange(Cache.List());
        return held;
    }

    /// <summary>The id of the bundle in <paramref name="directory"/> (SHA-256 of its manifest.json), or null when it has none.</summary>
    public static string? IdOf(string directory)
    {
        try
        {
            return TransferManifest.IdOf(Shared.IO.BoundedFile.ReadAllBytes(Path.Combine(directory, BundleManifest.FileName), BundleFiles.MaxJsonBytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Shared.IO.InputFileException)
        {
            return null;
        }
    }

    /// <summary>A bundle's transfer manifest, cut once per version of its manifest.json and chunk size.</summary>
    public Task<TransferManifest> ManifestAsync(string directory, int chunkBytes, CancellationToken cancellationToken)
    {
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(directory, BundleManifest.FileName)).Ticks;
        var key = (directory, stamp, chunkBytes);
        if (_manifests.Count >= MaxManifests)
        {
            _manifests.Clear();
        }

        var task = _manifests.GetOrAdd(key, k => TransferManifest.CreateAsync(k.Directory, k.ChunkBytes, CancellationToken.None));
        if (task.IsFaulted || task.IsCanceled)
        {
            _manifests.TryRemove(new KeyValuePair<(string, long, int), Task<TransferManifest>>(key, task));
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends the bundle in <paramref name="directory"/> to <paramref name="hosts"/> by <paramref name="transport"/>.</summary>
    public Task<IReadOnlyList<ShipResult>> ShipAsync(ClusterTransport cluster, string directory, string transport, IReadOnlyList<string> hosts, IProgress<ShipProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var shipper = new BundleShipper(ConnectorFor(cluster), _loggers, ManifestAsync);
        var options = new ShipOptions { ChunkBytes = ChunkBytes, ParallelStreams = Settings.ParallelStreams };
        return transport switch
        {
            BundleTransports.Unicast => shipper.UnicastAsync(directory, hosts, options, progress, cancellationToken),
            BundleTransports.Chain => shipper.ChainAsync(directory, hosts, options, progress, cancellationToken),
            BundleTransports.Multicast => shipper.MulticastAsync(
                directory,
                hosts,
                new MulticastShipOptions
                {
                    Group = Settings.MulticastGroup,
                    Port = Settings.MulticastPort,
                    Interface = Settings.MulticastInterface,
                    RateKbps = Settings.MulticastRateMbps * 1000L,
                    BlockBytes = MulticastDistributor.BlockBytesFor(Settings.MulticastInterface),
                    ChunkBytes = ChunkBytes,
                },
                progress,
                cancellationToken),
            _ => throw new ShippingException(ShippingProblem.Unsupported, $"the {transport} transport is not available on this host"),
        };
    }

    /// <summary>Turns a transfer's progress into the notes the CLI prints, a few per second and host.</summary>
    public static IProgress<ShipProgress> Notes(IProgress<ProgressNote> notes, TimeProvider time)
    {
        var last = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        return new Progress(p =>
        {
            var now = time.GetTimestamp();
            var final = p.State is not HopState.Receiving;
            if (!final && last.TryGetValue(p.Host, out var at) && time.GetElapsedTime(at, now) < s_progressInterval)
            {
                return;
            }

            last[p.Host] = now;
            var state = p.State switch { HopState.Done => "done", HopState.AlreadyHeld => "already held", HopState.Failed => "failed", _ => "receiving" };
            var detail = p.State switch
            {
                HopState.Failed => p.Message,
                HopState.AlreadyHeld => null,
                _ => string.Create(CultureInfo.InvariantCulture, $"{Mib(p.Bytes)} of {Mib(p.TotalBytes)} MiB, {Mib((long)p.BytesPerSecond)} MiB/s{(p.Eta is { } eta && !final && p.Bytes >= p.TotalBytes / 20 ? $", ETA {eta.TotalSeconds:0} s" : "")}"),
            };
            notes.Report(new ProgressNote { Operation = ClusterMethods.BundleDistribute, Stage = $"{p.Host} {state}", Detail = detail, BytesDone = p.Bytes, BytesTotal = p.TotalBytes });
        });
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Opens a bundle stream to a named host; a host that cannot be reached fails its leg, not the distribution.</summary>
    private static HopConnector ConnectorFor(ClusterTransport cluster) => async (host, cancellationToken) =>
    {
        try
        {
            return new ConnectionStream(await cluster.ConnectAsync(host, ClusterProtocols.Bundle, cancellationToken));
        }
        catch (ClusterException ex)
        {
            throw new IOException(ex.Message, ex);
        }
    };

    private async Task ReceiveAsync(ClusterTransport cluster, ClusterConnection connection, CancellationToken stopping)
    {
        // The cache's folder may have been removed under a running hostd (an operator emptying it).
        Directory.CreateDirectory(Cache.Root);
        var receiver = new BundleReceiver(Cache, ConnectorFor(cluster))
        {
            Multicast = Settings.Multicast ? new MulticastReceiveOptions { Interface = Settings.MulticastInterface } : null,
        };
        try
        {
            var report = await receiver.ReceiveAsync(connection.Stream, stopping);
            ClusterLog.BundleReceived(_logger, connection.PeerName ?? "?", report.State.ToString(), report.Bytes, report.Message is { } detail ? $" ({detail})" : "");
        }
        catch (ShippingException ex)
        {
            ClusterLog.BundleRefused(_logger, connection.PeerName ?? "?", ex.Message);
        }
    }

    /// <summary>True when a VM of this host runs from the cached bundle <paramref name="id"/> (by id or by its manifest's name).</summary>
    private bool InUse(string id)
    {
        var vms = _vms?.Running?.Supervisor.List();
        if (vms is not { Count: > 0 })
        {
            return false;
        }

        var used = vms.Select(v => v.Launch.Bundle).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return used.Contains(id) || Store.Cached().Any(c => c.Id == id && used.Contains(c.Name));
    }

    private sealed class Progress(Action<ShipProgress> report) : IProgress<ShipProgress>
    {
        public void Report(ShipProgress value) => report(value);
    }
}
