using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>A receiving host in-process: its own cache directory and a TCP listener on loopback serving every stream with <see cref="BundleReceiver"/>.</summary>
internal sealed class ShippingHost : IAsyncDisposable
{
    private readonly TcpListener _listener;

    private readonly CancellationTokenSource _stop = new();

    private readonly Task _accepting;

    private readonly X509Certificate2? _certificate;

    /// <summary>A host; listener: one made elsewhere (in a network namespace), default loopback on any port; multicast: its uftpd settings, default uftpd from PATH.</summary>
    public ShippingHost(
        string name, string cacheRoot, HopConnector connector, X509Certificate2? certificate = null, long limitBytes = BundleCache.DefaultLimitBytes, Func<string, bool>? inUse = null, bool forwards = true,
        TcpListener? listener = null, MulticastReceiveOptions? multicast = null)
    {
        Name = name;
        _certificate = certificate;
        Cache = new BundleCache(cacheRoot, limitBytes, inUse ?? (_ => false));
        Receiver = new BundleReceiver(Cache, forwards ? connector : null) { Multicast = multicast ?? new() };
        _listener = listener ?? new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Name { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public BundleCache Cache { get; }

    public BundleReceiver Receiver { get; }

    /// <summary>What each served stream ended with: its final report, or the exception it threw.</summary>
    public ConcurrentQueue<object> Outcomes { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13 }, _stop.Token);
                stream = tls;
            }

            Outcomes.Enqueue(await Receiver.ReceiveAsync(stream, _stop.Token));
        }
        catch (Exception ex)
        {
            Outcomes.Enqueue(ex);
        }
    }
}
