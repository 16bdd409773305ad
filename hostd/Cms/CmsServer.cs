using System.Net;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// A running CMS: <see cref="CmsService"/> served over JSON-RPC on TCP (guests, remote operators)
/// and optionally on a unix socket (local administration). Tests start it in-process on port 0.
/// </summary>
public sealed class CmsServer : IAsyncDisposable
{
    private const UnixFileMode SocketMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private readonly JsonRpcServer _tcp;
    private readonly JsonRpcServer? _unix;
    private readonly ILogger _logger;

    private CmsServer(CmsService service, JsonRpcServer tcp, JsonRpcServer? unix, string? unixSocketPath, ILogger logger)
    {
        Service = service;
        _tcp = tcp;
        _unix = unix;
        UnixSocketPath = unixSocketPath;
        _logger = logger;
    }

    /// <summary>The logic behind the wire, for in-process callers.</summary>
    public CmsService Service { get; }

    /// <summary>The bound TCP address (the real port when listening on port 0).</summary>
    public IPEndPoint TcpEndPoint => (IPEndPoint)_tcp.LocalEndPoint;

    /// <summary>The unix socket, when one was configured.</summary>
    public string? UnixSocketPath { get; }

    /// <summary>Opens the database, loads (or creates) the admin token and starts listening.</summary>
    /// <exception cref="FormatException"><see cref="CmsOptions.Listen"/> is not an address:port.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A connection cap or timeout is not positive.</exception>
    /// <exception cref="Storage.CmsStoreException">The database cannot be used.</exception>
    public static async Task<CmsServer> StartAsync(CmsOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<CmsServer>();
        var endPoint = CmsEndPoints.ParseListen(options.Listen);
        var tcpOptions = TcpOptions(options);
        var adminToken = AdminTokenFile.LoadOrCreate(options.AdminTokenFile);
        var service = await OpenServiceAsync(options, adminToken, loggerFactory, cancellationToken);
        JsonRpcServer? tcp = null;
        try
        {
            // Guests and remote operators over TCP carry tokens in each request.
            var target = new CmsRpcTarget(service, logger);
            tcp = JsonRpcServer.ListenTcp(endPoint, c => c.AddLocalRpcTarget(target), tcpOptions, loggerFactory);
            JsonRpcServer? unix = null;
            if (options.UnixSocketPath is { Length: > 0 } socketPath)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(socketPath))!);
                // Local administration: the kernel vouches for the caller (SO_PEERCRED), so no admin token is needed.
                var local = new CmsRpcTarget(service, logger, adminToken);
                var unixOptions = new JsonRpcOptions { PeerPolicy = PeerCredentialPolicy.ForGroup(options.AdminGroup), Administrative = true };
                unix = JsonRpcServer.ListenUnix(socketPath, SocketMode, c => c.AddLocalRpcTarget(local), unixOptions, loggerFactory);

                CmsLog.Listening(logger, "unix:" + socketPath);
            }

            var server = new CmsServer(service, tcp, unix, options.UnixSocketPath, logger);
            CmsLog.Listening(logger, server.TcpEndPoint.ToString());
            return server;
        }
        catch
        {
            if (tcp is not null)
            {
                await tcp.DisposeAsync();
            }

            service.Dispose();
            throw;
        }
    }

    /// <summary>SQLite at <see cref="CmsOptions.DatabasePath"/>, or the cluster's etcd when <see cref="CmsOptions.Store"/> names one.</summary>
    private static async Task<CmsService> OpenServiceAsync(CmsOptions options, string adminToken, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<CmsService>();
        if (Cluster.Etcd.ClusterStores.IsSqlite(options.Store))
        {
            return await CmsService.OpenAsync(options.DatabasePath, adminToken, options.MaxWaitMs, logger, cancellationToken);
        }

        var files = new Cluster.Identity.ClusterFiles(options.ClusterDirectory);
        var tls = new Cluster.Etcd.EtcdTls(options.EtcdCaFile ?? files.CaCertificate, options.EtcdCertificateFile ?? files.HostCertificate, options.EtcdKeyFile ?? files.HostKey);
        var etcd = new Cluster.Etcd.EtcdConnection(options.Store, tls);
        return await CmsService.OpenEtcdAsync(etcd, options.StorePrefix, adminToken, options.MaxWaitMs, logger, ownsConnection: true, cancellationToken);
    }

    /// <summary>
    /// The TCP listener's bounds: anyone can connect and the CMS sees a request's token only after its body, so a body
    /// over <see cref="CmsLimits.MaxGuestRequestBytes"/> is read only while it fits in the listener's shared
    /// <see cref="CmsLimits.MaxLargeRequestBytesBuffered"/>; connections are capped and timed out as configured.
    /// </summary>
    internal static JsonRpcOptions TcpOptions(CmsOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConnections, nameof(CmsOptions.MaxConnections));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.FrameTimeoutMs, nameof(CmsOptions.FrameTimeoutMs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.IdleTimeoutMs, nameof(CmsOptions.IdleTimeoutMs));
        var frameTimeout = TimeSpan.FromMilliseconds(options.FrameTimeoutMs);
        return new JsonRpcOptions
        {
            MaxMessageBytes = CmsLimits.MaxGuestRequestBytes,
            MaxLargeMessageBytes = CmsLimits.MaxAdminRequestBytes,
            LargeMessageBudgetBytes = CmsLimits.MaxLargeRequestBytesBuffered,
            MaxConnections = options.MaxConnections,
            FirstFrameTimeout = frameTimeout,
            FrameTimeout = frameTimeout,
            IdleTimeout = TimeSpan.FromMilliseconds(options.IdleTimeoutMs),
        };
    }

    /// <summary>Stops listening, closes connections (pending waits end) and releases the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _tcp.DisposeAsync();
        if (_unix is not null)
        {
            await _unix.DisposeAsync();
        }

        Service.Dispose();
        CmsLog.Stopped(_logger);
    }
}
