using System.Collections.Concurrent;
using System.Net;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// hostd's image service: an NBD server on a unix socket (VMs on this host) and optionally TCP (peers),
/// exporting the catalog's images — real images (raw files, read-only, many clients) and pseudo images
/// (start empty, fetch missing extents from upstream replicas, keep them). Serving starts before
/// <see cref="StartAsync"/> returns, so READY=1 means VMs can open their disks.
/// </summary>
public sealed partial class ImageService(IOptions<ImageOptions> options, IOptions<HostdOptions> hostd, ILoggerFactory loggerFactory)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ImageService>();
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly ConcurrentDictionary<string, ServedImage> _images = new(StringComparer.Ordinal);
    private ImageCatalog? _catalog;
    private NbdServer? _unixServer;
    private NbdServer? _tcpServer;

    /// <summary>What the NBD servers export (also what background deployment watches).</summary>
    public NbdExportSet Exports { get; } = new();

    /// <summary>Catalog, replicas and caches.</summary>
    public string Directory => options.Value.Directory is { Length: > 0 } directory
        ? directory
        : Path.Combine(hostd.Value.StateDirectory, ImageOptions.DirectoryName);

    /// <summary>The unix socket VMs read from.</summary>
    public string SocketPath => options.Value.SocketPath is { Length: > 0 } path
        ? path
        : Path.Combine(hostd.Value.RuntimeDirectory, ImageOptions.SocketFileName);

    /// <summary>The TCP address peers fetch from, when listening.</summary>
    public EndPoint? TcpEndPoint => _tcpServer?.LocalEndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        _catalog = ImageCatalog.Load(Directory);
        foreach (var entry in _catalog.Entries)
        {
            var image = await OpenAsync(entry, cancellationToken);
            _images[entry.Name] = image;
        }

        _unixServer = NbdServer.ListenUnix(SocketPath, Exports, loggerFactory: loggerFactory);
        _ = HostdOptionsValidator.TryParseMode(settings.SocketMode, out var mode);
        if (Syscall.chmod(SocketPath, (FilePermissions)mode) != 0)
        {
            throw new IOException($"cannot set mode {settings.SocketMode} on {SocketPath}: {Stdlib.GetLastError()}");
        }

        ImageServiceLog.Listening(_logger, SocketPath);
        if (settings.Listen is { Length: > 0 } listen)
        {
            _tcpServer = NbdServer.ListenTcp(IPEndPoint.Parse(listen), Exports, loggerFactory: loggerFactory);
            ImageServiceLog.Listening(_logger, _tcpServer.LocalEndPoint.ToString() ?? listen);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        var servers = new[] { _unixServer, _tcpServer };
        _unixServer = null;
        _tcpServer = null;
        foreach (var server in servers)
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        foreach (var name in _images.Keys)
        {
            if (_images.TryRemove(name, out var image))
            {
                await image.CloseAsync();
            }
        }

        ImageServiceLog.Stopped(_logger);
    }

    /// <summary>The images, in name order.</summary>
    public ImageInfo[] List() => _images.Values.OrderBy(i => i.Entry.Name, StringComparer.Ordinal).Select(Describe).ToArray();

    /// <summary>Adds a file or pseudo image to the catalog and serves it.</summary>
    /// <exception cref="ArgumentException">A bad request (name taken, both or neither of file and upstreams, ...).</exception>
    public async Task<ImageInfo> AddAsync(ImageAddRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ImageCatalog.ValidateName(request.Name);
        var entry = EntryFor(request);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var catalog = RequireCatalog();
            if (catalog.TryGet(request.Name, out _))
            {
                throw ImageException.BadRequest($"image {request.Name} already exists; remove it first");
            }

            var image = await OpenAsync(entry, cancellationToken);
            if (image.Problem is { } problem)
            {
                throw ImageException.BadRequest($"image {request.Name} cannot be served: {problem}");
            }

            if (request.ReplayLog is { Length: > 0 } replay && image.Pseudo is { } pseudo)
            {
                // Prefetch in the background: the image serves (and fetches on demand) meanwhile.
                _ = Task.Run(() => ReplayAsync(request.Name, pseudo, replay), CancellationToken.None);
            }

            catalog.Put(entry);
            _images[entry.Name] = image;
            return Describe(image);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Stops serving an image; its files stay. Clients connected to it see their next request fail.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (!_images.TryRemove(name, out var image))
            {
                throw ImageException.NotFound(name);
            }

            Exports.Remove(name);
            RequireCatalog().Remove(name);
            await image.CloseAsync();
            ImageServiceLog.Removed(_logger, name);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>An image with its export's and cache's counters.</summary>
    public ImageStats Stats(string name)
    {
        var image = Require(name);
        var status = image.Pseudo?.Status;
        return new ImageStats
        {
            Image = Describe(image),
            Export = Exports.StatisticsOf(name),
            Hits = status?.Hits ?? 0,
            Misses = status?.Misses ?? 0,
            BytesFetched = status?.BytesFetched ?? 0,
        };
    }

    /// <summary>The URI VMs on this host open to read <paramref name="name"/> (which must be served).</summary>
    /// <exception cref="KeyNotFoundException">No such image.</exception>
    public string LocalUriOf(string name)
    {
        var image = Require(name);
        return image.Problem is null
            ? LocalUri(name)
            : throw ImageException.Unavailable($"image {name} is not being served: {image.Problem}");
    }

    private string LocalUri(string name) => $"nbd+unix:///{name}?socket={SocketPath}";

    private async Task ReplayAsync(string name, PseudoImage pseudo, string accessLog)
    {
        try
        {
            await pseudo.ReplayAsync(accessLog, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException or OperationCanceledException or UnauthorizedAccessException)
        {
            ImageServiceLog.ReplayFailed(_logger, name, accessLog, ex.Message);
        }
    }

    private ServedImage Require(string name)
        => _images.TryGetValue(name, out var image) ? image : throw ImageException.NotFound(name);

    private ImageCatalog RequireCatalog()
        => _catalog ?? throw ImageException.Unavailable($"the image service is disabled ({ImageOptions.Section}:{nameof(ImageOptions.Enabled)} is false)");

    private ImageEntry EntryFor(ImageAddRequest request)
    {
        var upstreams = request.Upstreams ?? [];
        return (request.File, upstreams.Length) switch
        {
            ({ Length: > 0 } file, 0) => new ImageEntry
            {
                Name = request.Name,
                Kind = ImageEntry.FileKind,
                File = Path.GetFullPath(file),
                Description = request.Description,
                AddedAt = DateTimeOffset.UtcNow,
            },
            (null or "", > 0) => new ImageEntry
            {
                Name = request.Name,
                Kind = ImageEntry.PseudoKind,
                Upstreams = [.. upstreams.Select(u => NbdUri.Parse(u).ToString())],
                CacheDirectory = Path.Combine(Directory, request.Name + ".cache"),
                ExtentSize = request.ExtentSize ?? options.Value.ExtentSize,
                Description = request.Description,
                AddedAt = DateTimeOffset.UtcNow,
            },
            _ => throw ImageException.BadRequest("give either a file (a real image) or upstreams (a pseudo image), not both or neither"),
        };
    }

    private async Task<ServedImage> OpenAsync(ImageEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var image = entry.Kind switch
            {
                ImageEntry.FileKind => new ServedImage
                {
                    Entry = entry,
                    Export = FileExport.Open(entry.File!, readOnly: true, entry.Description ?? string.Empty),
                },
                ImageEntry.PseudoKind => await OpenPseudoAsync(entry, cancellationToken),
                _ => throw new InvalidDataException($"unknown image kind '{entry.Kind}'"),
            };
            Exports.Add(entry.Name, image.Export!);
            ImageServiceLog.Served(_logger, entry.Name, entry.Kind, image.Export!.Size);
            return image;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or NbdErrorException or FormatException or ArgumentException or InputFileException)
        {
            ImageServiceLog.Unavailable(_logger, entry.Name, ex.Message);
            return new ServedImage { Entry = entry, Problem = ex.Message };
        }
    }

    private ImageInfo Describe(ServedImage image)
    {
        var entry = image.Entry;
        var status = image.Pseudo?.Status;
        return new ImageInfo
        {
            Name = entry.Name,
            Kind = entry.Kind,
            Size = image.Export?.Size ?? 0,
            LocalUri = LocalUri(entry.Name),
            RemoteUri = RemoteUriOf(entry.Name),
            File = entry.File,
            CacheDirectory = entry.CacheDirectory,
            Upstreams = entry.Upstreams,
            ActiveUpstream = image.Replicas?.Name,
            PresentBytes = status?.BytesPresent ?? image.Export?.Size ?? 0,
            Complete = image.Problem is null && (status?.Complete ?? true),
            Description = entry.Description,
            Problem = image.Problem,
        };
    }

    private string? RemoteUriOf(string name)
    {
        if (_tcpServer?.LocalEndPoint is not IPEndPoint endPoint)
        {
            return null;
        }

        var host = options.Value.AdvertiseAddress is { Length: > 0 } advertised
            ? advertised
            : endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? Environment.MachineName : endPoint.Address.ToString();
        return $"nbd://{host}:{endPoint.Port}/{name}";
    }
}
