using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;
using Jumpstart.Tests.Cluster;
using Jumpstart.Tests.Images;
using Jumpstart.Tests.Store;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// A multicast between network namespaces: host 0 of a <see cref="HostLan"/> is the source (its uftp runs there, its
/// streams are connected from there), hosts 1.. are receivers, each a <see cref="ShippingHost"/> listening inside its
/// namespace on its LAN address with TLS 1.3, its uftpd running there too. Only the test's own namespaces carry traffic.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class MulticastBed : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("multicast");

    private readonly X509Certificate2 _certificate;

    private readonly List<ShippingHost> _hosts = [];

    private HostLan? _lan;

    private bool _openWhileArriving = true;

    private MulticastBed()
    {
        _certificate = ShippingBed.CreateCertificate();
        Shipper = new BundleShipper(ConnectAsync);
    }

    public BundleShipper Shipper { get; }

    public HostLan Lan => _lan!;

    public IReadOnlyList<ShippingHost> Hosts => _hosts;

    /// <summary>The receivers' names, r1, r2, ...</summary>
    public IReadOnlyList<string> Names => [.. _hosts.Select(h => h.Name)];

    /// <summary>Spool files each receiver was about to decrypt, by host name.</summary>
    public Dictionary<string, int> Decrypts { get; } = new(StringComparer.Ordinal);

    /// <summary>Called on a receiver's spool file once uftp finished, before the final pass opens it (a test tampers with it here).</summary>
    public Action<string, string>? Tamper { get; set; }

    /// <param name="receivers">Receiving hosts (namespaces 1..receivers).</param>
    /// <param name="port">The session's UDP port (distinct per test, for clarity in captures).</param>
    /// <param name="silent">Receivers (1-based) whose "uftpd" is a script that says it started and then never answers.</param>
    public static Task<MulticastBed> CreateAsync(int receivers, int port, params int[] silent) => CreateAsync(receivers, port, openWhileArriving: true, silent);

    /// <param name="receivers">Receiving hosts (namespaces 1..receivers).</param>
    /// <param name="port">The session's UDP port (distinct per test, for clarity in captures).</param>
    /// <param name="openWhileArriving">False: receivers open the spool only once uftp finished (a test that tampers with it).</param>
    /// <param name="silent">Receivers (1-based) whose "uftpd" is a script that says it started and then never answers.</param>
    public static async Task<MulticastBed> CreateAsync(int receivers, int port, bool openWhileArriving, params int[] silent)
    {
        var bed = new MulticastBed { _openWhileArriving = openWhileArriving };
        try
        {
            bed._lan = await HostLan.CreateAsync(receivers + 1);
            bed.Options = new MulticastShipOptions
            {
                Port = port,
                Interface = HostLan.Interface(0),
                RateKbps = 200_000,
                ChunkBytes = ShippingBed.ChunkBytes,
                SessionTimeout = TimeSpan.FromMinutes(2),
                SpoolDirectory = Directory.CreateDirectory(bed.Combine("source-spool")).FullName,
                CommandPrefix = bed.Lan.Exec(0),
            };
            var mute = bed.Combine("silent-uftpd");
            await File.WriteAllTextAsync(mute, "#!/bin/sh\necho 'uftpd that never answers'\nexec sleep 600\n");
            File.SetUnixFileMode(mute, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            for (var i = 1; i <= receivers; i++)
            {
                bed.AddReceiver(i, silent.Contains(i) ? mute : null);
            }

            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    public MulticastShipOptions Options { get; private set; } = new();

    public string Combine(params string[] parts) => _directory.Combine(parts);

    public async Task<string> BundleAsync(int stateBytes) => await HandMadeBundle.WriteAsync(new BundleStore(Combine("source")), "template", stateBytes);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_lan is not null)
        {
            await _lan.DisposeAsync();
        }

        _certificate.Dispose();
        _directory.Dispose();
    }

    private void AddReceiver(int index, string? program)
    {
        var name = "r" + index.ToString(CultureInfo.InvariantCulture);
        var address = IPAddress.Parse(HostLan.Address(index));
        var listener = NamespaceSockets.In(Lan.Hosts[index].Name, () =>
        {
            var made = new TcpListener(address, 0);
            made.Start();
            return made;
        });
        var multicast = new MulticastReceiveOptions
        {
            Interface = HostLan.Interface(index),
            CommandPrefix = Lan.Exec(index),
            Program = program ?? Jumpstart.Hostd.Images.Distribution.MulticastDistributor.ReceiverTool,
            SessionTimeout = TimeSpan.FromMinutes(2),
            OpenWhileArriving = _openWhileArriving,
            BeforeDecrypt = file =>
            {
                lock (Decrypts)
                {
                    Decrypts[name] = Decrypts.GetValueOrDefault(name) + 1;
                }

                Tamper?.Invoke(name, file);
            },
        };
        _hosts.Add(new ShippingHost(name, Combine("hosts", name, BundleCache.Folder), (_, _) => throw new IOException("no chains here"), _certificate, listener: listener, multicast: multicast));
    }

    /// <summary>A TLS 1.3 stream from the source's namespace to the receiver's listener in its own namespace.</summary>
    private Task<Stream> ConnectAsync(string host, CancellationToken cancellationToken)
    {
        var target = _hosts.Single(h => h.Name == host);
        var index = _hosts.IndexOf(target) + 1;
        var socket = NamespaceSockets.Connect(Lan.Hosts[0].Name, new IPEndPoint(IPAddress.Parse(HostLan.Address(index)), target.Port), 1)[0];
        return ShippingBed.ClientTlsAsync(new NetworkStream(socket, ownsSocket: true), host, _certificate, cancellationToken);
    }
}
