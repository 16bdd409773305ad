using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Tests.Store;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// A source bundle and receiving hosts on loopback TCP (optionally TLS 1.3 with a throwaway certificate), with a
/// connector that maps a host name to its port, or to a relay put in front of it.
/// </summary>
internal sealed class ShippingBed : IAsyncDisposable
{
    /// <summary>Small chunks, so a bundle of a few hundred KiB has dozens of them.</summary>
    public const int ChunkBytes = 16 << 10;

    private readonly TempDirectory _directory = new("shipping");

    private readonly List<IAsyncDisposable> _owned = [];

    private readonly ConcurrentDictionary<string, int> _ports = new(StringComparer.Ordinal);

    private readonly X509Certificate2? _certificate;

    public ShippingBed(bool tls = false)
    {
        if (tls)
        {
            _certificate = CreateCertificate();
        }

        Shipper = new BundleShipper(ConnectAsync);
    }

    public BundleShipper Shipper { get; }

    public ShipOptions Options { get; } = new() { ChunkBytes = ChunkBytes, ParallelStreams = 2 };

    public ConcurrentQueue<ShipProgress> Progress { get; } = new();

    public IProgress<ShipProgress> Reporter => new SyncProgress(Progress.Enqueue);

    public string Combine(params string[] parts) => _directory.Combine(parts);

    /// <summary>Writes a bundle BundleVerifier accepts into its own store under this bed; returns its directory.</summary>
    public async Task<string> BundleAsync(string store, string name, int stateBytes)
        => await HandMadeBundle.WriteAsync(new BundleStore(Combine(store)), name, stateBytes);

    public ShippingHost AddHost(string name, string? cacheRoot = null, long limitBytes = BundleCache.DefaultLimitBytes, Func<string, bool>? inUse = null, bool forwards = true)
    {
        var host = new ShippingHost(name, cacheRoot ?? Combine("hosts", name, BundleCache.Folder), ConnectAsync, _certificate, limitBytes, inUse, forwards);
        _owned.Add(host);
        _ports[name] = host.Port;
        return host;
    }

    /// <summary>Puts a relay in front of <paramref name="host"/>: every stream to it, from the source or a chain hop, passes the relay.</summary>
    public ChunkRelay Relay(ShippingHost host, Func<int, ChunkRelay> create)
    {
        var relay = create(host.Port);
        _owned.Add(relay);
        _ports[host.Name] = relay.Port;
        return relay;
    }

    /// <summary>Takes the relay away again: streams go straight to the host.</summary>
    public void Direct(ShippingHost host) => _ports[host.Name] = host.Port;

    public static string IdOf(string bundleDirectory) => TransferManifest.IdOf(File.ReadAllBytes(Path.Combine(bundleDirectory, BundleManifest.FileName)));

    /// <summary>Asserts the host's cache holds the bundle, byte for byte, verified, and nothing staged.</summary>
    public static async Task AssertHoldsAsync(ShippingHost host, string sourceDirectory)
    {
        var id = IdOf(sourceDirectory);
        var copy = host.Cache.PathOf(id);
        await BundleVerifier.VerifyAsync(copy, CancellationToken.None);
        var expected = Directory.GetFiles(sourceDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Xunit.Assert.Equal(expected, Directory.GetFiles(copy).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        foreach (var file in expected)
        {
            Xunit.Assert.True(File.ReadAllBytes(Path.Combine(sourceDirectory, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(copy, file!))), $"{host.Name}: {file} differs");
        }

        Xunit.Assert.Equal([id], Directory.GetDirectories(host.Cache.Root).Select(Path.GetFileName).ToList());
    }

    /// <summary>A frame of <paramref name="type"/> carrying <paramref name="offer"/> as JSON, as a peer (honest or not) would write it.</summary>
    public static byte[] OfferFrame<T>(FrameType type, T offer)
    {
        var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(offer, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        var frame = new byte[ChunkChannel.HeaderBytes + payload.Length];
        frame[0] = (byte)type;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, ChunkChannel.HeaderBytes);
        return frame;
    }

    /// <summary>A throwaway self-signed certificate every test host serves (and every client pins).</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=jumpstart-test-host", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>TLS 1.3 over <paramref name="stream"/> as the client, pinning <paramref name="certificate"/>.</summary>
    public static async Task<Stream> ClientTlsAsync(Stream stream, string host, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        var pinned = certificate.GetCertHash();
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHash().AsSpan().SequenceEqual(pinned),
            },
            cancellationToken);
        return tls;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _certificate?.Dispose();
        _directory.Dispose();
    }

    private async Task<Stream> ConnectAsync(string host, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, _ports[host], cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        return _certificate is null ? stream : await ClientTlsAsync(stream, host, _certificate, cancellationToken);
    }

    /// <summary>Progress delivered on the reporting thread, in order (Progress&lt;T&gt; would post it to the thread pool).</summary>
    private sealed class SyncProgress(Action<ShipProgress> report) : IProgress<ShipProgress>
    {
        public void Report(ShipProgress value) => report(value);
    }
}
