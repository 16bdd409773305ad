using System.Net;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// An in-process <see cref="NbdServer"/> on a temp unix socket and on 127.0.0.1:0, serving a fresh
/// <see cref="TestImage"/> as export <see cref="ExportName"/> (also the default export).
/// </summary>
public sealed class NbdTestServer : IAsyncDisposable
{
    public const string ExportName = "base";

    private readonly TempDirectory _directory = new("nbd");
    private readonly FileExport _export;

    private NbdTestServer(bool writable, NbdServerOptions? options)
    {
        ImagePath = _directory.Combine("base.raw");
        TestImage.Create(ImagePath);
        _export = FileExport.Open(ImagePath, readOnly: !writable, description: "test image");
        Exports.Add(ExportName, _export);
        Exports.DefaultExport = ExportName;
        SocketPath = _directory.Combine("nbd.sock");
        Unix = NbdServer.ListenUnix(SocketPath, Exports, options);
        Tcp = NbdServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), Exports, options);
    }

    public NbdExportSet Exports { get; } = new();

    public NbdServer Unix { get; }

    public NbdServer Tcp { get; }

    public string ImagePath { get; }

    public string SocketPath { get; }

    public int TcpPort => ((IPEndPoint)Tcp.LocalEndPoint).Port;

    public string Directory => _directory.Path;

    public static NbdTestServer Start(bool writable = false, NbdServerOptions? options = null) => new(writable, options);

    /// <summary>The export's URI over unix socket ("unix") or TCP ("tcp").</summary>
    public string Uri(string transport, string export = ExportName) => transport switch
    {
        "unix" => $"nbd+unix:///{export}?socket={SocketPath}",
        "tcp" => $"nbd://127.0.0.1:{TcpPort}/{export}",
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, "unix or tcp"),
    };

    public async ValueTask DisposeAsync()
    {
        await Unix.DisposeAsync();
        await Tcp.DisposeAsync();
        _export.Dispose();
        _directory.Dispose();
    }
}
